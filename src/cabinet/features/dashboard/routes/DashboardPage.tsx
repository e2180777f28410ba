import { ComingSoon } from '../../../components/ComingSoon';

export default function DashboardPage() {
  return <ComingSoon title="Главная" hint="Сводка по выручке и кассам появится здесь." />;
}

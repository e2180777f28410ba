import { ComingSoon } from '../../../components/ComingSoon';

export default function ShiftsPage() {
  return <ComingSoon title="Закрытые смены" hint="Смены появятся здесь." />;
}

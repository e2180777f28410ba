import { ComingSoon } from '../../../components/ComingSoon';

export default function ShiftPage() {
  return <ComingSoon title="Смена" hint="Z-отчёт появится здесь." />;
}

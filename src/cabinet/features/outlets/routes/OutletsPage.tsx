import { ComingSoon } from '../../../components/ComingSoon';

export default function OutletsPage() {
  return <ComingSoon title="Торговые точки" hint="Список торговых точек появится здесь." />;
}

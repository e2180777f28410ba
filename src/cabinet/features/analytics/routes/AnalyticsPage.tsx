import { ComingSoon } from '../../../components/ComingSoon';

export default function AnalyticsPage() {
  return <ComingSoon title="Аналитика" hint="Отчёты и графики появятся в следующем выпуске кабинета." />;
}

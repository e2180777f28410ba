import { ComingSoon } from '../../../components/ComingSoon';

export default function RegisterPage() {
  return <ComingSoon title="Касса" hint="Карточка кассы появится здесь." />;
}

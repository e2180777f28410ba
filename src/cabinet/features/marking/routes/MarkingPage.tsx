import { ComingSoon } from '../../../components/ComingSoon';

export default function MarkingPage() {
  return <ComingSoon title="Маркировка" hint="Чеки с маркированными товарами появятся здесь." />;
}

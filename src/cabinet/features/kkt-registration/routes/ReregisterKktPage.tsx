/** Кассы → касса → «Перерегистрировать» (ChangeRegistrationPage). */
import { ChangeRegistrationPage } from './ChangeRegistrationPage';

export default function ReregisterKktPage() {
  return <ChangeRegistrationPage kind="reregistration" />;
}

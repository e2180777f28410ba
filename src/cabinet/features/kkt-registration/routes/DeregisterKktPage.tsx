/** Кассы → касса → «Снять с учёта» (ChangeRegistrationPage). */
import { ChangeRegistrationPage } from './ChangeRegistrationPage';

export default function DeregisterKktPage() {
  return <ChangeRegistrationPage kind="deregistration" />;
}

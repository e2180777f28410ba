/** Names of a marked code's stages on its way to the CRPT (Честный знак) and of the check at sale. */
export const STAGES = ['checked', 'delivered', 'crpt_answered'] as const;
export const STAGE_LABEL: Record<string, string> = { not_sent: 'Не передан', checked: 'Проверен при продаже', delivered: 'Передан в ЧЗ', crpt_answered: 'Ответ ЧЗ' };
export const RESULT: Record<string, { text: string; color: string }> = {
  ok: { text: 'Код верный', color: 'green' },
  failed: { text: 'Проверка не пройдена', color: 'red' },
  not_checked: { text: 'Не проверялся', color: 'default' },
};

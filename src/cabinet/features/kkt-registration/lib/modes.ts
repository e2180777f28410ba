/** The modes of use a register is registered with (the application's `modes`). */
export const MODES: { value: string; label: string }[] = [
  { value: 'internetSign', label: 'Расчёты только в интернете' },
  { value: 'exciseGoodsSign', label: 'Подакцизные товары' },
  { value: 'markedGoodsSign', label: 'Маркированные товары' },
  { value: 'automaticDeviceSign', label: 'Автоматическое устройство для расчётов' },
  { value: 'paymentAgentSign', label: 'Платёжный агент' },
  { value: 'bankPaymentAgentSign', label: 'Банковский платёжный агент' },
  { value: 'bsoSign', label: 'Бланки строгой отчётности' },
  { value: 'serviceSign', label: 'Только услуги' },
  { value: 'deliveryTradeSign', label: 'Развозная или разносная торговля' },
  { value: 'gamblingSign', label: 'Азартные игры' },
  { value: 'lotterySign', label: 'Лотереи' },
  { value: 'offlineMode', label: 'Автономный режим (без передачи данных)' },
];

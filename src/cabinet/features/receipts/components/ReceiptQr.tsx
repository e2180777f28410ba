import { toDataURL } from 'qrcode';
import { useEffect, useState } from 'react';

/** The FNS QR string as an image (the `qrcode` package; error correction M, as registers print it). */
export function ReceiptQr({ value, size = 160 }: { value: string; size?: number }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    toDataURL(value, { errorCorrectionLevel: 'M', margin: 1, width: size })
      .then((url) => live && setSrc(url))
      .catch(() => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [value, size]);
  return (
    <figure style={{ margin: 0 }}>
      {src === null ? <div style={{ width: size, height: size, margin: '0 auto', background: '#fafafa' }} aria-hidden /> : <img src={src} width={size} height={size} alt={`QR-код чека: ${value}`} data-qr={value} />}
      <figcaption style={{ fontSize: 11, overflowWrap: 'anywhere', color: 'rgba(0,0,0,0.65)' }}>{value}</figcaption>
    </figure>
  );
}

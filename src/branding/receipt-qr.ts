/**
 * The receipt's FNS QR string as a real image (the `qrcode` package): PNG for e-mail (mail clients show PNG, few show
 * SVG or data: URIs) and SVG for web pages. Error correction M, as registers print it.
 */
import QRCode from 'qrcode';

export async function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 5 });
}

export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

export function dataUri(contentType: string, bytes: Buffer | string): string {
  return `data:${contentType};base64,${Buffer.from(bytes).toString('base64')}`;
}

// CPU per e-receipt QR image: receipt-qr.ts's 1-bit PNG against `qrcode`'s own PNG renderer (what it replaced), and the
// symbol alone (qrcode's encoding and mask choice, which both include). Median of --runs passes over --count strings.
//
//   npm run bench:receipt-qr -- [--count 300] [--runs 5]
import { parseArgs } from 'node:util';
import QRCode from 'qrcode';
import { qrPng } from '../src/branding/receipt-qr.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '300' }, runs: { type: 'string', default: '5' } } });
const texts = Array.from({ length: Number(args.count) }, (_, i) => `t=20261206T12${String(i % 60).padStart(2, '0')}&s=${(1000 + i * 7.31).toFixed(2)}&fn=9999078900001234&i=${i + 1}&fp=${3_500_000_000 - i * 7919}&n=1`);

async function microsPerImage(render: (text: string) => Promise<unknown> | unknown): Promise<number> {
  for (const t of texts.slice(0, 20)) await render(t);
  const passes: number[] = [];
  for (let r = 0; r < Number(args.runs); r++) {
    const start = process.cpuUsage();
    for (const t of texts) await render(t);
    const used = process.cpuUsage(start);
    passes.push((used.user + used.system) / texts.length);
  }
  passes.sort((a, b) => a - b);
  return Math.round(passes[Math.floor(passes.length / 2)]!);
}

const averageBytes = async (render: (text: string) => Promise<Buffer>) => Math.round((await Promise.all(texts.map(render))).reduce((s, b) => s + b.length, 0) / texts.length);
const renderer = (text: string) => QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 5 });

console.log(JSON.stringify({
  images: texts.length,
  runs: Number(args.runs),
  microsPerImage: {
    qrPng: await microsPerImage(qrPng),
    qrcodePngRenderer: await microsPerImage(renderer),
    symbolOnly: await microsPerImage((text) => QRCode.create(text, { errorCorrectionLevel: 'M' })),
  },
  bytesPerImage: { qrPng: await averageBytes(qrPng), qrcodePngRenderer: await averageBytes(renderer) },
}, null, 2));

// Issue 13, item 7: which webhook targets are internal. Pure address logic; the lookup is a stub only where a name must
// resolve to a chosen address (the integration test resolves real names).
import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, forbiddenKind } from '../../../src/adapters/webhooks/target-policy.js';

const none = { allowHosts: [] };
const resolvesTo = (address: string) => (async () => [{ address, family: address.includes(':') ? 6 : 4 }]) as unknown as typeof import('node:dns').promises.lookup;

describe('webhook target policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fd00::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (IPv4 in IPv6)'],
    ['::ffff:7f00:1', 'loopback (IPv4 in IPv6)'],
    ['::ffff:a9fe:a9fe', 'link-local (IPv4 in IPv6)'],
    ['64:ff9b::a00:1', 'private (IPv4 in IPv6)'],
  ])('%s is %s', (address, kind) => {
    expect(forbiddenKind(address)).toBe(kind);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(forbiddenKind(address)).toBeUndefined();
  });

  it.each([
    'http://127.0.0.1:8080/x',
    'http://2130706433/',
    'http://0x7f.0.0.1/',
    'http://017700000001/',
    'http://127.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0:4000/',
    'https://[fd12:3456::1]/',
  ])('refuses %s', async (url) => {
    const r = await checkWebhookUrl(none, url);
    expect(r.ok).toBe(false);
  });

  it('refuses a name by what it resolves to, and credentials or other schemes', async () => {
    expect((await checkWebhookUrl(none, 'https://hooks.example.com/', resolvesTo('10.0.0.7'))).ok).toBe(false);
    expect((await checkWebhookUrl(none, 'https://hooks.example.com/', resolvesTo('93.184.216.34'))).ok).toBe(true);
    expect((await checkWebhookUrl(none, 'https://u:p@hooks.example.com/', resolvesTo('93.184.216.34'))).ok).toBe(false);
    expect((await checkWebhookUrl(none, 'ftp://hooks.example.com/', resolvesTo('93.184.216.34'))).ok).toBe(false);
  });

  it('lets the operator allow names, addresses and CIDRs', async () => {
    expect((await checkWebhookUrl({ allowHosts: ['127.0.0.0/8'] }, 'http://127.0.0.1:9/')).ok).toBe(true);
    expect((await checkWebhookUrl({ allowHosts: ['hooks.internal'] }, 'http://hooks.internal/', resolvesTo('10.0.0.7'))).ok).toBe(true);
    expect((await checkWebhookUrl({ allowHosts: ['10.0.0.0/24'] }, 'http://x.internal/', resolvesTo('10.0.0.7'))).ok).toBe(true);
    expect((await checkWebhookUrl({ allowHosts: ['10.0.1.0/24'] }, 'http://x.internal/', resolvesTo('10.0.0.7'))).ok).toBe(false);
    expect((await checkWebhookUrl({ allowHosts: ['::1'] }, 'http://[::1]:80/')).ok).toBe(true);
  });
});

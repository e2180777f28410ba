import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_DEVSIGN_KEY,
  DEFAULT_NOTIFICATION_RETENTION_DAYS,
  DEFAULT_OPERATOR_INN,
  ENV_VARIABLES,
  isValidInn,
  loadConfig,
  DEFAULT_REQUISITES,
} from '../../src/config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected loadConfig to throw');
}

describe('API settings', () => {
  it('splits OFD_CORS_ORIGINS and rejects a bad origin or a short OFD_JWT_SECRET, naming the variable', () => {
    expect(loadConfig({ OFD_CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(() => loadConfig({ OFD_CORS_ORIGINS: 'not a url' })).toThrow(/OFD_CORS_ORIGINS/);
    expect(() => loadConfig({ OFD_JWT_SECRET: 'short' })).toThrow(/OFD_JWT_SECRET/);
    expect(loadConfig({ OFD_PUBLIC_URL: 'https://cabinet.example' }).publicUrl).toBe('https://cabinet.example');
  });
});

describe('loadConfig', () => {
  it('reads OFD_FORWARD_MAX_PAUSE_MS, 0 turning the forwarding pause off', () => {
    expect(loadConfig({ OFD_FORWARD_MAX_PAUSE_MS: '0' }).forwardYield).toEqual({ maxPauseMs: 0 });
    expect(loadConfig({ OFD_FORWARD_MAX_PAUSE_MS: '300000' }).forwardYield).toEqual({ maxPauseMs: 300_000 });
  });

  it('gives the architecture §4 defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      roles: ['gateway', 'worker', 'api'],
      // Every core of this machine (decision 9).
      processes: availableParallelism(),
      workerProcesses: availableParallelism() > 1 ? Math.floor(availableParallelism() / 2) : 0,
      workerNice: 10,
      workerYield: { highElu: 0.85, maxPauseMs: 10_000 },
      forwardYield: { maxPauseMs: 30_000 },
      host: '0.0.0.0',
      gatewayPort: 4000,
      markingPort: 4001,
      httpPort: 8080,
      gateway: { maxConnections: 20_000, maxConnectionsPerAddress: 256, proxyProtocol: false, enqueueMaxDelayMs: 5, enqueueMaxBatch: 200 },
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'ofd',
      redisWait: { replicas: 0, timeoutMs: 250 },
      crypto: { mode: 'devsign', devsignKey: DEFAULT_DEVSIGN_KEY },
      operatorInn: DEFAULT_OPERATOR_INN,
      fnsUrl: undefined,
      crptUrl: undefined,
      smtpUrl: undefined,
      smsUrl: undefined,
      viberUrl: undefined,
      eReceipts: { viberWaitMs: 120_000, shortLinkTtlMs: 365 * 86_400_000, linkBaseUrl: 'http://localhost:8080' },
      adminToken: undefined,
      operatorEmails: new Set(),
      jwtSecret: undefined,
      mode: 'development',
      publicUrl: 'http://localhost:8080',
      webhookAllowHosts: [],
      receiptSendsPerHour: 100,
      authRequestsPerMinute: 20,
      corsOrigins: [],
      notificationRetentionDays: 180,
      exportRetentionDays: 7,
      kktRegistration: { fnsKktUrl: undefined, signatureCaFile: undefined, signatureCrlDir: undefined, requireCrl: false, pollIntervalMs: 30_000 },
      persist: { lockDurationMs: undefined, stalledIntervalMs: undefined, usualAsNull: true },
      log: { level: 'info', pretty: false },
      billing: { unpaidPolicy: 'flag', payUrl: undefined, paySecret: undefined, requisites: DEFAULT_REQUISITES, pdfFont: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf' },
    });
    expect(DEFAULT_NOTIFICATION_RETENTION_DAYS).toBe(180);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      OFD_ROLES: 'worker, api,worker',
      OFD_HOST: '127.0.0.1',
      OFD_GATEWAY_PORT: '14000',
      OFD_MARKING_PORT: '0',
      OFD_HTTP_PORT: '18080',
      DATABASE_URL: 'postgresql://u:p@db:5432/ofd',
      REDIS_URL: 'rediss://cache:6380/2',
      OFD_QUEUE_PREFIX: '{ofd}',
      OFD_CRYPTO: 'pkz',
      OFD_PKZ_URL: 'https://pkz.local:8443',
      OFD_DEVSIGN_KEY: 'k',
      OFD_INN: '500100732259',
      FNS_URL: 'http://fns.local',
      CRPT_URL: 'http://crpt.local',
      SMTP_URL: 'smtp://mail.local:25',
      SMS_URL: 'https://sms.local/send',
      OFD_ADMIN_TOKEN: 'a'.repeat(32),
      LOG_LEVEL: 'debug',
      LOG_PRETTY: 'true',
      OFD_GATEWAY_MAX_CONNECTIONS: '5000',
      OFD_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: '50',
      OFD_PROXY_PROTOCOL: 'yes',
      OFD_ENQUEUE_MAX_DELAY_MS: '0',
      OFD_ENQUEUE_MAX_BATCH: '1000',
      OFD_NOTIFICATION_RETENTION_DAYS: '30',
      OFD_PERSIST_LOCK_MS: '10000',
      OFD_PERSIST_STALLED_INTERVAL_MS: '5000',
      OFD_STORE_USUAL_AS_NULL: 'false',
    });
    expect(config.notificationRetentionDays).toBe(30);
    expect(config.persist).toEqual({ lockDurationMs: 10_000, stalledIntervalMs: 5000, usualAsNull: false });
    expect(config.gateway).toEqual({ maxConnections: 5000, maxConnectionsPerAddress: 50, proxyProtocol: true, enqueueMaxDelayMs: 0, enqueueMaxBatch: 1000 });
    expect(config.roles).toEqual(['worker', 'api']);
    expect(config.host).toBe('127.0.0.1');
    expect([config.gatewayPort, config.markingPort, config.httpPort]).toEqual([14000, 0, 18080]);
    expect(config.databaseUrl).toBe('postgresql://u:p@db:5432/ofd');
    expect(config.redisUrl).toBe('rediss://cache:6380/2');
    expect(config.queuePrefix).toBe('{ofd}');
    expect(config.crypto).toEqual({ mode: 'pkz', pkzUrl: 'https://pkz.local:8443', devsignKey: 'k' });
    expect(config.operatorInn).toBe('500100732259');
    expect([config.fnsUrl, config.crptUrl, config.smtpUrl, config.smsUrl]).toEqual([
      'http://fns.local',
      'http://crpt.local',
      'smtp://mail.local:25',
      'https://sms.local/send',
    ]);
    expect(config.adminToken).toBe('a'.repeat(32));
    expect(config.log).toEqual({ level: 'debug', pretty: true });
  });

  it('rejects connection limits that are not whole numbers, naming the variable', () => {
    expect(() => loadConfig({ OFD_GATEWAY_MAX_CONNECTIONS: '0' })).toThrow(/OFD_GATEWAY_MAX_CONNECTIONS: expected at least 1/);
    expect(() => loadConfig({ OFD_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: '-1' })).toThrow(/OFD_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS/);
    expect(() => loadConfig({ OFD_PROXY_PROTOCOL: 'v2' })).toThrow(/OFD_PROXY_PROTOCOL/);
    expect(() => loadConfig({ OFD_ENQUEUE_MAX_DELAY_MS: '101' })).toThrow(/OFD_ENQUEUE_MAX_DELAY_MS/);
    expect(() => loadConfig({ OFD_ENQUEUE_MAX_BATCH: '0' })).toThrow(/OFD_ENQUEUE_MAX_BATCH/);
  });

  it('keeps one retention day and the smallest persist lock, and leaves the persist lock settings to the worker when unset', () => {
    expect(loadConfig({ OFD_NOTIFICATION_RETENTION_DAYS: '1' }).notificationRetentionDays).toBe(1);
    expect(loadConfig({ OFD_EXPORT_RETENTION_DAYS: '30' }).exportRetentionDays).toBe(30);
    expect(() => loadConfig({ OFD_EXPORT_RETENTION_DAYS: '0' })).toThrow(/OFD_EXPORT_RETENTION_DAYS: expected at least 1/);
    expect(loadConfig({ OFD_KKT_POLL_MS: '500', OFD_SIGNATURE_REQUIRE_CRL: 'true' }).kktRegistration).toMatchObject({ pollIntervalMs: 500, requireCrl: true });
    expect(() => loadConfig({ OFD_KKT_POLL_MS: '5' })).toThrow(/OFD_KKT_POLL_MS/);
    expect(() => loadConfig({ FNS_KKT_URL: 'ftp://x' })).toThrow(/FNS_KKT_URL/);
    expect(loadConfig({ OFD_PERSIST_LOCK_MS: '1000' }).persist).toEqual({ lockDurationMs: 1000, stalledIntervalMs: undefined, usualAsNull: true });
    expect(loadConfig({ OFD_PERSIST_LOCK_MS: '', OFD_PERSIST_STALLED_INTERVAL_MS: ' ' }).persist).toEqual({ lockDurationMs: undefined, stalledIntervalMs: undefined, usualAsNull: true });
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({ OFD_GATEWAY_PORT: '', FNS_URL: '  ', OFD_ROLES: '' });
    expect(config.gatewayPort).toBe(4000);
    expect(config.fnsUrl).toBeUndefined();
    expect(config.roles).toEqual(['gateway', 'worker', 'api']);
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ PATH: '/bin', OFD_SOMETHING_ELSE: 'x' })).not.toThrow();
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.roles)).toBe(true);
    expect(Object.isFrozen(config.crypto)).toBe(true);
    expect(Object.isFrozen(config.log)).toBe(true);
    expect(() => {
      (config as { gatewayPort: number }).gatewayPort = 1;
    }).toThrow(TypeError);
  });

  it('defaults to process.env', () => {
    expect(loadConfig().gatewayPort).toBeTypeOf('number');
  });

  it.each([
    ['OFD_GATEWAY_PORT', 'abc'],
    ['OFD_GATEWAY_PORT', '65536'],
    ['OFD_MARKING_PORT', '-1'],
    ['OFD_HTTP_PORT', '80.5'],
    ['OFD_HOST', 'not a host'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'nonsense'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['OFD_CRYPTO', 'gost'],
    ['OFD_INN', '7704211202'],
    ['OFD_INN', '123'],
    ['OFD_INN', '500100732250'],
    ['FNS_URL', 'ftp://fns'],
    ['CRPT_URL', 'crpt'],
    ['SMTP_URL', 'http://mail'],
    ['SMS_URL', 'sms'],
    ['OFD_ADMIN_TOKEN', 'short'],
    ['LOG_LEVEL', 'verbose'],
    ['LOG_PRETTY', 'maybe'],
    ['OFD_QUEUE_PREFIX', 'has space'],
    ['OFD_ROLES', 'gatway'],
    ['OFD_PROCESSES', '0'],
    ['OFD_PROCESSES', 'many'],
    ['OFD_WORKER_PROCESSES', 'half'],
    ['OFD_WORKER_NICE', '20'],
    ['OFD_WORKER_NICE', '-5'],
    ['OFD_WORKER_YIELD_ELU', '1.5'],
    ['OFD_WORKER_YIELD_ELU', 'busy'],
    ['OFD_WORKER_MAX_PAUSE_MS', '-1'],
    ['OFD_WORKER_MAX_PAUSE_MS', '60001'],
    ['OFD_FORWARD_MAX_PAUSE_MS', '-1'],
    ['OFD_FORWARD_MAX_PAUSE_MS', '300001'],
    ['OFD_FORWARD_MAX_PAUSE_MS', '30s'],
    ['OFD_ROLES', ',,'],
    ['OFD_NOTIFICATION_RETENTION_DAYS', '0'],
    ['OFD_NOTIFICATION_RETENTION_DAYS', '1.5'],
    ['OFD_NOTIFICATION_RETENTION_DAYS', '-30'],
    ['OFD_NOTIFICATION_RETENTION_DAYS', '36501'],
    ['OFD_PERSIST_LOCK_MS', '999'],
    ['OFD_PERSIST_LOCK_MS', '30s'],
    ['OFD_PERSIST_STALLED_INTERVAL_MS', '0'],
    ['OFD_PERSIST_STALLED_INTERVAL_MS', 'often'],
    ['OFD_STORE_USUAL_AS_NULL', 'maybe'],
  ])('names %s when it is %j', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('requires OFD_PKZ_URL when OFD_CRYPTO=pkz', () => {
    const error = configError({ OFD_CRYPTO: 'pkz' });
    expect(error.variable).toBe('OFD_PKZ_URL');
    expect(error.message).toContain('OFD_CRYPTO=pkz');
  });

  it('reports every bad variable at once', () => {
    const error = configError({ OFD_GATEWAY_PORT: 'x', LOG_LEVEL: 'loud' });
    expect(error.issues.map((i) => i.variable).sort()).toEqual(['LOG_LEVEL', 'OFD_GATEWAY_PORT']);
  });

  it('never echoes a secret value in the error', () => {
    const error = configError({ OFD_ADMIN_TOKEN: 'secret-ish' });
    expect(error.message).not.toContain('secret-ish');
  });

  it('reads the billing variables and wants the payment secret with the payment URL', () => {
    expect(loadConfig({ OFD_UNPAID_POLICY: 'stop', OFD_PAY_URL: 'https://pay.example/api', OFD_PAY_SECRET: 'pay-secret-0123456789' }).billing).toMatchObject({
      unpaidPolicy: 'stop',
      payUrl: 'https://pay.example/api',
      paySecret: 'pay-secret-0123456789',
    });
    expect(configError({ OFD_REQUISITES: '{"name":"ООО"}' }).variable).toBe('OFD_REQUISITES');
    expect(configError({ OFD_REQUISITES: 'not json' }).variable).toBe('OFD_REQUISITES');
    expect(configError({ OFD_PAY_URL: 'https://pay.example' }).variable).toBe('OFD_PAY_SECRET');
    expect(configError({ OFD_UNPAID_POLICY: 'block' }).variable).toBe('OFD_UNPAID_POLICY');
  });

  it('refuses production mode (NODE_ENV=production) without OFD_PUBLIC_URL when it serves the API, never from a Host header', () => {
    expect(configError({ NODE_ENV: 'production' }).variable).toBe('OFD_PUBLIC_URL');
    expect(loadConfig({ NODE_ENV: 'production', OFD_ROLES: 'gateway,worker' }).mode).toBe('production');
    expect(loadConfig({ NODE_ENV: 'production', OFD_PUBLIC_URL: 'https://lk.ofd.example/' })).toMatchObject({
      mode: 'production',
      publicUrl: 'https://lk.ofd.example',
    });
    expect(loadConfig({ NODE_ENV: 'test', OFD_HTTP_PORT: '9090' })).toMatchObject({ mode: 'development', publicUrl: 'http://localhost:9090' });
  });

  it('reads the Viber provider, its wait and the short-link lifetime; receipt links come from OFD_PUBLIC_URL only in production', () => {
    expect(loadConfig({ VIBER_URL: 'http://viber.internal:4050', OFD_VIBER_WAIT_SECONDS: '30', OFD_SHORT_LINK_TTL_DAYS: '90', OFD_PUBLIC_URL: 'https://lk.ofd.example/' })).toMatchObject({
      viberUrl: 'http://viber.internal:4050',
      eReceipts: { viberWaitMs: 30_000, shortLinkTtlMs: 90 * 86_400_000, linkBaseUrl: 'https://lk.ofd.example' },
    });
    expect(loadConfig({ NODE_ENV: 'production', OFD_ROLES: 'gateway,worker' }).eReceipts.linkBaseUrl).toBeUndefined();
    expect(configError({ OFD_VIBER_WAIT_SECONDS: '5' }).variable).toBe('OFD_VIBER_WAIT_SECONDS');
    expect(configError({ OFD_SHORT_LINK_TTL_DAYS: '0' }).variable).toBe('OFD_SHORT_LINK_TTL_DAYS');
    expect(configError({ VIBER_URL: 'ftp://viber' }).variable).toBe('VIBER_URL');
  });

  it('reads the webhook allow-list of hosts and CIDRs and the e-receipt limit', () => {
    expect(loadConfig({ OFD_WEBHOOK_ALLOW_HOSTS: 'hooks.internal, 10.1.0.0/16,::1,fd00::/8', OFD_RECEIPT_SENDS_PER_HOUR: '5' })).toMatchObject({
      webhookAllowHosts: ['hooks.internal', '10.1.0.0/16', '::1', 'fd00::/8'],
      receiptSendsPerHour: 5,
    });
    expect(configError({ OFD_WEBHOOK_ALLOW_HOSTS: '10.0.0.0/33' }).variable).toBe('OFD_WEBHOOK_ALLOW_HOSTS');
    expect(configError({ OFD_WEBHOOK_ALLOW_HOSTS: 'http://x' }).variable).toBe('OFD_WEBHOOK_ALLOW_HOSTS');
  });

  it('names the unknown role', () => {
    expect(configError({ OFD_ROLES: 'gateway,wrker' }).message).toContain('"wrker"');
  });

  it('lists every variable of architecture §4', () => {
    for (const name of ['OFD_ROLES', 'OFD_GATEWAY_PORT', 'OFD_HTTP_PORT', 'DATABASE_URL', 'REDIS_URL', 'OFD_CRYPTO',
      'OFD_DEVSIGN_KEY', 'OFD_PKZ_URL', 'OFD_INN', 'FNS_URL', 'CRPT_URL', 'SMTP_URL', 'SMS_URL', 'OFD_ADMIN_TOKEN']) {
      expect(ENV_VARIABLES).toContain(name);
    }
  });
});

describe('OFD_OPERATOR_EMAILS', () => {
  it('is a comma list of e-mails, kept lower-case; anything else is refused at start', () => {
    const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1:6379' };
    expect([...loadConfig({ ...base, OFD_OPERATOR_EMAILS: ' Tamara.Staff@OFD.test, ,b@ofd.test' }).operatorEmails]).toEqual(['tamara.staff@ofd.test', 'b@ofd.test']);
    expect(loadConfig(base).operatorEmails.size).toBe(0);
    expect(() => loadConfig({ ...base, OFD_OPERATOR_EMAILS: 'tamara' })).toThrow(/OFD_OPERATOR_EMAILS/);
  });
});

describe('isValidInn', () => {
  it.each(['7704211201', '7707083893', '500100732259', '7830002293'])('accepts %s', (inn) => {
    expect(isValidInn(inn)).toBe(true);
  });

  it.each(['7704211200', '770421120', '77042112011', '500100732258', 'abcdefghij', ''])('rejects %j', (inn) => {
    expect(isValidInn(inn)).toBe(false);
  });
});

describe('OFD_PROCESSES', () => {
  it('takes auto as the number of cores and a whole number as it is', () => {
    expect(loadConfig({ OFD_PROCESSES: 'auto' }).processes).toBe(availableParallelism());
    expect(loadConfig({ OFD_PROCESSES: '3' }).processes).toBe(3);
    expect(loadConfig({ OFD_PROCESSES: '1' }).processes).toBe(1);
  });
});

describe('OFD_WORKER_PROCESSES and OFD_WORKER_NICE (issue 12: acknowledging before storing when CPU is short)', () => {
  it('gives the worker role half of the processes by default, at niceness 10', () => {
    const c = loadConfig({ OFD_PROCESSES: '2' });
    expect([c.workerProcesses, c.workerNice]).toEqual([1, 10]);
    expect(loadConfig({ OFD_PROCESSES: '5' }).workerProcesses).toBe(2);
    expect(loadConfig({ OFD_PROCESSES: '8', OFD_WORKER_PROCESSES: '3', OFD_WORKER_NICE: '5' })).toMatchObject({ workerProcesses: 3, workerNice: 5 });
  });

  it('splits nothing in one process, without the worker role, or with the worker role alone', () => {
    expect(loadConfig({ OFD_PROCESSES: '1' }).workerProcesses).toBe(0);
    expect(loadConfig({ OFD_PROCESSES: '4', OFD_ROLES: 'gateway,api' }).workerProcesses).toBe(0);
    expect(loadConfig({ OFD_PROCESSES: '4', OFD_ROLES: 'worker' }).workerProcesses).toBe(0);
    // 0 keeps every role in every child (the behaviour before issue 12's split).
    expect(loadConfig({ OFD_PROCESSES: '4', OFD_WORKER_PROCESSES: '0' }).workerProcesses).toBe(0);
  });

  it('with OFD_PROCESSES=auto, an explicit OFD_WORKER_PROCESSES gets one process more than it names, on any machine', () => {
    // A setting written for a bigger machine starts here instead of being refused.
    const wanted = availableParallelism() + 1;
    const c = loadConfig({ OFD_PROCESSES: 'auto', OFD_WORKER_PROCESSES: String(wanted) });
    expect([c.processes, c.workerProcesses]).toEqual([wanted + 1, wanted]);
    expect(loadConfig({ OFD_WORKER_PROCESSES: String(wanted) }).processes).toBe(wanted + 1);
    // Fewer worker processes than cores: still one process per core.
    expect(loadConfig({ OFD_PROCESSES: 'auto', OFD_WORKER_PROCESSES: '1' }).processes).toBe(Math.max(2, availableParallelism()));
    expect(loadConfig({ OFD_PROCESSES: 'auto', OFD_WORKER_PROCESSES: '0' }).processes).toBe(availableParallelism());
    // Nothing to split off (one role): the worker count does not add processes.
    expect(loadConfig({ OFD_ROLES: 'worker', OFD_WORKER_PROCESSES: String(wanted) }).processes).toBe(availableParallelism());
    expect(loadConfig({ OFD_ROLES: 'gateway,api', OFD_WORKER_PROCESSES: String(wanted) }).processes).toBe(availableParallelism());
  });

  it('refuses to leave no process for the gateway and the API, naming the variable', () => {
    const e = configError({ OFD_PROCESSES: '2', OFD_WORKER_PROCESSES: '2' });
    expect(e.message).toContain('OFD_WORKER_PROCESSES');
    expect(e.message).toContain('fewer than OFD_PROCESSES (2)');
  });
});

describe('OFD_GATEWAY_PUBLIC_ADDRESS (issue 16: what customers type into their registers)', () => {
  it('is taken as given, else from OFD_PUBLIC_URL’s host and the gateway port, else unset', () => {
    expect(loadConfig({ OFD_GATEWAY_PUBLIC_ADDRESS: 'gate.example:4000' }).gatewayPublicAddress).toBe('gate.example:4000');
    expect(loadConfig({ OFD_PUBLIC_URL: 'https://lk.ofd.example/cabinet', OFD_GATEWAY_PORT: '7777' }).gatewayPublicAddress).toBe('lk.ofd.example:7777');
    expect(loadConfig({}).gatewayPublicAddress).toBeUndefined();
  });

  it.each(['gate.example', 'gate.example:0', 'gate.example:70000', 'http://gate.example:4000', 'gate example:4000'])('refuses %j, naming the variable', (v) => {
    expect(configError({ OFD_GATEWAY_PUBLIC_ADDRESS: v }).message).toContain('OFD_GATEWAY_PUBLIC_ADDRESS');
  });
});

describe('Redis settings', () => {
  it('accepts a Redis Cluster REDIS_URL only with a hash-tagged OFD_QUEUE_PREFIX', () => {
    expect(loadConfig({ REDIS_URL: 'redis+cluster://r1:7000,r2:7000', OFD_QUEUE_PREFIX: '{ofd}' })).toMatchObject({
      redisUrl: 'redis+cluster://r1:7000,r2:7000',
      queuePrefix: '{ofd}',
    });
    const e = configError({ REDIS_URL: 'redis+cluster://r1:7000', OFD_QUEUE_PREFIX: 'ofd' });
    expect(e.variable).toBe('OFD_QUEUE_PREFIX');
    expect(configError({ REDIS_URL: 'redis+cluster://r1' }).variable).toBe('REDIS_URL');
  });

  it('waits for no replica by default; OFD_REDIS_WAIT_REPLICAS and _TIMEOUT_MS are whole numbers', () => {
    expect(loadConfig({}).redisWait).toEqual({ replicas: 0, timeoutMs: 250 });
    expect(loadConfig({ OFD_REDIS_WAIT_REPLICAS: '1', OFD_REDIS_WAIT_TIMEOUT_MS: '500' }).redisWait).toEqual({ replicas: 1, timeoutMs: 500 });
    expect(configError({ OFD_REDIS_WAIT_REPLICAS: '-1' }).variable).toBe('OFD_REDIS_WAIT_REPLICAS');
    expect(configError({ OFD_REDIS_WAIT_TIMEOUT_MS: '0' }).variable).toBe('OFD_REDIS_WAIT_TIMEOUT_MS');
  });
});

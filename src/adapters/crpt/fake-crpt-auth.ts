/**
 * The sign-in of `ofd fake-crpt`: a single-use challenge (5 min), its signature VERIFIED (rsa-cms with node-forge over
 * the issued challenge, gost2012-256 with node-gost-crypto and the sent public key), a bearer token for a good one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { bearerToken, reply, type JsonReply } from '../http/fake-server.js';
import { SignInRequest } from './crpt-api.js';
import { gostVerifyRaw, verifyRsaCms } from './signer.js';

const CHALLENGE_TTL_MS = 5 * 60_000;

export interface SignInCounts {
  ok: number;
  refused: number;
  byAlg: Record<string, number>;
}

function signatureValid(alg: string, data: string, cert: string | undefined, challenge: Buffer): boolean {
  if (alg === 'rsa-cms') return verifyRsaCms(data, challenge).ok;
  const publicKey = cert && /^[0-9a-f]{128}$/i.test(cert) ? Buffer.from(cert, 'hex') : undefined;
  return publicKey !== undefined && gostVerifyRaw(publicKey, Buffer.from(data, 'base64'), challenge);
}

export function createFakeCrptAuth(tokenTtlS: number) {
  const challenges = new Map<string, { data: string; until: number }>();
  const tokens = new Map<string, number>();

  return {
    /** GET the challenge: a random uuid and data to sign. */
    challenge(): JsonReply {
      const uuid = randomUUID();
      const data = randomBytes(24).toString('base64url');
      challenges.set(uuid, { data, until: Date.now() + CHALLENGE_TTL_MS });
      return reply(200, { uuid, data });
    },
    /** POST the signed challenge: a token, or 401. */
    signIn(body: unknown, counts: SignInCounts): JsonReply {
      const parsed = SignInRequest.safeParse(body);
      if (!parsed.success) return reply(400, { code: 'BAD_REQUEST', message: 'not a sign-in request' });
      const { uuid, data, alg, cert } = parsed.data;
      const challenge = challenges.get(uuid);
      challenges.delete(uuid);
      const refuse = (why: string) => {
        counts.refused += 1;
        return reply(401, { code: 'AUTH_FAILED', message: why });
      };
      if (!challenge || challenge.until < Date.now()) return refuse('unknown or expired challenge');
      if (!signatureValid(alg, data, cert, Buffer.from(challenge.data, 'utf8'))) return refuse('the signature does not verify');
      counts.ok += 1;
      counts.byAlg[alg] = (counts.byAlg[alg] ?? 0) + 1;
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, Date.now() + tokenTtlS * 1000);
      return reply(200, { token, expiresIn: tokenTtlS });
    },
    /** The request carries a live token. */
    authorised(req: http.IncomingMessage): boolean {
      const token = bearerToken(req);
      const until = token ? tokens.get(token) : undefined;
      return until !== undefined && until > Date.now();
    },
    clear(): void {
      challenges.clear();
      tokens.clear();
    },
  };
}

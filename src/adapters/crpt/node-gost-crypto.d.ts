// Types for the parts of node-gost-crypto 1.0.2 this project uses (the package ships none). Keys and signatures are
// ArrayBuffers: private key 32 bytes LE, public key 64 bytes (x‖y LE), signature 64 bytes; see gost-signer.ts.
declare module 'node-gost-crypto' {
  export interface GostSignAlgorithm {
    name: 'GOST R 34.10';
    version: 2012 | 2001 | 1994;
    length?: 256 | 512;
    namedCurve?: string;
    hash?: { name: 'GOST R 34.11'; version: 2012 | 1994; length?: 256 | 512 };
    procreator?: 'CP' | 'SC' | 'VN';
  }
  export interface GostSign {
    generateKey(): { publicKey: ArrayBuffer; privateKey: ArrayBuffer };
    sign(privateKey: ArrayBuffer | Uint8Array, data: ArrayBuffer | Uint8Array): ArrayBuffer;
    verify(publicKey: ArrayBuffer | Uint8Array, signature: ArrayBuffer | Uint8Array, data: ArrayBuffer | Uint8Array): boolean;
  }
  export interface GostDigest {
    digest(data: ArrayBuffer | Uint8Array): ArrayBuffer;
  }
  export const gostEngine: {
    getGostSign(algorithm: GostSignAlgorithm): GostSign;
    getGostDigest(algorithm: { name: 'GOST R 34.11'; version: 2012 | 1994; length?: 256 | 512 }): GostDigest;
  };
}

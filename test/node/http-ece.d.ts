// Types for the one http_ece function the test push service uses.
declare module "http_ece" {
  interface DecryptParams {
    version: "aes128gcm";
    privateKey: import("node:crypto").ECDH;
    authSecret: string;
  }
  const ece: { decrypt(buffer: Buffer, params: DecryptParams): Buffer };
  export default ece;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificates of a PEM chain or bundle, in order, each ending with one newline. */
export function pemCertificates(pem: string): string[] {
  return [...pem.matchAll(CERTIFICATE)].map((match) => `${match[0]}\n`);
}

/** Concatenates PEM blocks so that each starts on its own line. */
export function joinPem(blocks: readonly string[]): string {
  return blocks.map((block) => (block.endsWith('\n') ? block : `${block}\n`)).join('');
}

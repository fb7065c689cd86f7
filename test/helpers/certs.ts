// Throwaway certificates for tests, made by openssl: self-signed, for 127.0.0.1 and localhost, with an
// EC P-256 key (quick to make).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** A certificate and its key, as files in a test's folder and as their contents. */
export interface TestCert {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** NAME.crt */
  readonly file: string;
  /** NAME.key */
  readonly keyFile: string;
}

/** A self-signed certificate for 127.0.0.1 (and localhost) valid for DAYS, in DIR as NAME.crt/NAME.key. */
export async function selfSignedCert(dir: string, name: string, days: number): Promise<TestCert> {
  const file = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await execa(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      file,
      '-days',
      String(days),
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { timeout: 20_000 },
  );
  return { cert: await readFile(file), key: await readFile(keyFile), file, keyFile };
}

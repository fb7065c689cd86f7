// The brokerwatch command the tests run: the bundle package.json's bin names (dist/bin, made by
// `npm run build:bundle`), so that what is tested is what is shipped.
import { fileURLToPath } from 'node:url';

/** dist/test/helpers/cli.js → dist/bin/brokerwatch.js */
export const BROKERWATCH = fileURLToPath(new URL('../../bin/brokerwatch.js', import.meta.url));

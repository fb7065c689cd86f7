// The alert channel registry: every channel's docs line is in README.md, every sender loads, and
// the rules front end (`brokerwatch -t`, src/cli/check-rules.ts) imports no sending code: the senders,
// nodemailer and mqtt.js are loaded only when an alert goes out. Each channel's example recipient
// goes through the whole syntax half: parsed, printed back, keyed, labelled, silenced, scrubbed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANNELS, syntaxOf } from '../../src/alerts/channels/registry.js';
import { recipientLabel, recipientsFor } from '../../src/alerts/recipients.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import { Scrubber, collectSecrets } from '../../src/http/secrets.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

void test("every channel's docs line is in README.md's list of alert targets", () => {
  for (const { syntax } of CHANNELS) {
    assert.ok(syntax.docs.length > 20, `${syntax.kind}: a docs line`);
    assert.ok(readme.includes(`\n- ${syntax.docs}\n`), `README.md lacks the line of ${syntax.kind}: - ${syntax.docs}`);
  }
});

void test('each kind is registered once, and its sender loads', async () => {
  const kinds = CHANNELS.map((e) => e.syntax.kind);
  assert.deepEqual([...new Set(kinds)], kinds);
  for (const e of CHANNELS) assert.equal(typeof (await e.load()).send, 'function', e.syntax.kind);
});

/** Every file and package the module FILE imports statically, transitively (dynamic imports aside). */
function staticImports(file: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (f: string): void => {
    if (files.has(f)) return;
    files.add(f);
    const js = readFileSync(f, 'utf8');
    // `import … from '…'`, `export … from '…'` and `import '…'` (tsc emits one statement a line start).
    for (const m of js.matchAll(/^\s*(?:(?:import|export)\b[^;'"]*?\bfrom|import)\s*['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? '';
      if (spec.startsWith('.')) visit(resolve(dirname(f), spec));
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
    }
  };
  visit(file);
  return { files: new Set([...files].map((f) => relative(root, f))), packages };
}

void test('the rules front end imports channel syntax only: no sender, no nodemailer, no mqtt.js', () => {
  // `brokerwatch -t` runs src/cli/check-rules.js (main.ts imports it when asked to).
  const { files, packages } = staticImports(resolve(root, 'src/cli/check-rules.js'));
  // The walk itself works: the front end does read the channels' grammar.
  assert.ok(files.has('src/config/parse-recipient.js'));
  for (const { syntax } of CHANNELS) assert.ok(files.has(`src/alerts/channels/${syntax.kind}/syntax.js`), syntax.kind);
  const senders = [...files].filter(
    (f) =>
      f.startsWith('src/alerts/channels/') && !/\/(syntax|format-syntax|contract|registry|url-syntax)\.js$/.test(f),
  );
  assert.deepEqual(senders, []);
  assert.equal(packages.has('nodemailer'), false, 'nodemailer is imported statically');
  assert.equal(packages.has('mqtt'), false, 'mqtt.js is imported statically');
});

for (const { syntax } of CHANNELS) {
  void describe(`the ${syntax.kind} channel's syntax`, () => {
    const example = `set alert ${syntax.example}\n`;

    void test('its example parses without a warning and prints back to the same target', async () => {
      const { config, warnings } = await parseRules(example);
      assert.deepEqual(warnings, []);
      const target = config.alerts[0]?.target;
      assert.equal(target?.kind, syntax.kind);
      assert.ok(target && syntaxOf(target) === syntax, 'the registry finds the channel by its kind');
      for (const mask of [false, true]) {
        const printed = printConfig(config, { maskSecrets: mask });
        assert.match(printed, /^set alert /m);
        if (!mask)
          assert.deepEqual(
            (await parseRules(printed)).config.alerts.map((a) => a.target),
            [target],
            printed,
          );
      }
    });

    void test('its lane is its own, and neither its label nor the scrubbed rules show a secret', async () => {
      const { config } = await parseRules(example);
      const target = config.alerts[0]?.target;
      assert.ok(target);
      assert.ok(syntaxOf(target).identity(target).startsWith(`${syntax.kind}\0`), 'the identity starts with the kind');
      const secrets = syntaxOf(target)
        .secrets(target)
        .filter((s): s is string => s !== undefined && s !== '');
      const scrubbed = new Scrubber(collectSecrets(config)).scrub(printConfig(config));
      for (const secret of secrets) {
        assert.ok(!recipientLabel(target).includes(secret), `the label shows ${secret}`);
        assert.ok(!scrubbed.includes(secret), `the scrubbed rules show ${secret}`);
      }
    });

    void test("a service's noalert with its name, in any case, silences the global recipient there only", async () => {
      const global = (await parseRules(example)).config.alerts[0]?.target;
      assert.ok(global);
      const name = syntaxOf(global).noalertName(global).toUpperCase();
      const { config } = await parseRules(
        `${example}check process x with pidfile /run/x.pid\n  noalert "${name}"\ncheck process y with pidfile /run/y.pid\n`,
      );
      assert.deepEqual(recipientsFor(config, 'x'), []);
      assert.equal(recipientsFor(config, 'y').length, 1);
    });
  });
}

// A small strict XML reader for tests: it accepts only well-formed documents (one root, matching
// tags, quoted attributes, known entities, no stray `<` or `&`) and returns the element tree.

/** An element: its name, attributes, child elements and text. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*/;

function decode(s: string, at: number): string {
  if (/[<]/.test(s)) throw new Error(`'<' in text at ${at}`);
  return s.replace(/&([^;]*);|&/g, (m, ent: string | undefined) => {
    if (ent === undefined) throw new Error(`bare '&' at ${at}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[ent] !== undefined) return named[ent];
    const num = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ent);
    if (num?.[1]) return String.fromCodePoint(num[1].startsWith('x') ? parseInt(num[1].slice(1), 16) : Number(num[1]));
    throw new Error(`unknown entity ${m} at ${at}`);
  });
}

/** Parses a document; throws on anything that is not well-formed. */
export function parseXml(doc: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const prolog = /^<\?xml[^?]*\?>/.exec(doc);
  if (prolog) i = prolog[0].length;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt === -1 ? doc.length : lt);
    const top = stack[stack.length - 1];
    if (top) top.text += decode(text, i);
    else if (text.trim() !== '') throw new Error(`text outside the root at ${i}`);
    if (lt === -1) break;
    i = lt;
    if (doc.startsWith('<![CDATA[', i)) {
      const end = doc.indexOf(']]>', i);
      if (end === -1 || !top) throw new Error(`bad CDATA at ${i}`);
      top.text += doc.slice(i + 9, end);
      i = end + 3;
    } else if (doc.startsWith('<!--', i)) {
      const end = doc.indexOf('-->', i);
      if (end === -1) throw new Error(`unclosed comment at ${i}`);
      i = end + 3;
    } else if (doc.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][A-Za-z0-9_.-]*)\s*>/.exec(doc.slice(i));
      const open = stack.pop();
      if (!m || !open || open.name !== m[1]) throw new Error(`mismatched end tag at ${i}: ${doc.slice(i, i + 30)}`);
      i += m[0].length;
    } else {
      const name = NAME.exec(doc.slice(i + 1))?.[0];
      if (!name) throw new Error(`bad tag at ${i}`);
      i += 1 + name.length;
      const el: XmlElement = { name, attrs: {}, children: [], text: '' };
      for (;;) {
        const ws = /^\s*/.exec(doc.slice(i))?.[0] ?? '';
        i += ws.length;
        if (doc.startsWith('/>', i) || doc.startsWith('>', i)) break;
        const a = /^([A-Za-z_][A-Za-z0-9_.:-]*)="([^"<]*)"/.exec(doc.slice(i));
        if (!a?.[1] || ws === '' || a[2] === undefined) throw new Error(`bad attribute at ${i}`);
        if (el.attrs[a[1]] !== undefined) throw new Error(`duplicate attribute ${a[1]}`);
        el.attrs[a[1]] = decode(a[2], i);
        i += a[0].length;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new Error(`second root element at ${i}`);
      else root = el;
      if (doc.startsWith('/>', i)) i += 2;
      else {
        i += 1;
        stack.push(el);
      }
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]?.name ?? ''}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** The first child named NAME. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

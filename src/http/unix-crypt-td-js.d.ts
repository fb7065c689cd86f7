// unix-crypt-td-js ships no types: its one function, DES-based crypt(3) of bytes (or a string's
// char codes) with a two-character salt.
declare module 'unix-crypt-td-js' {
  export default function unixCryptTD(pw: string | number[], salt: string | number[]): string;
}

// A URL's password (its user info, `http://user:PASSWORD@host/`) replaced by a mask, for printing
// rules back and for the scrubber; a text that is not a URL, or has no password, stays as it is.

/** `url` with the password of its user info replaced by `mask`. */
export function maskUrlPassword(url: string, mask: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = mask;
    return u.href;
  } catch {
    return url;
  }
}

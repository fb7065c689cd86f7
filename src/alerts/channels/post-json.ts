// One JSON POST of an alert channel (webhook, Alertmanager): a deadline of the channel's own, no
// redirect followed, and a failure that says why in words (no answer, refused, the peer's status).

export interface PostAnswer {
  readonly status: number;
  /** The body, read so that the connection is released; kept short for the log. */
  readonly text: string;
}

/** POSTs BODY as JSON to URL; throws `WHAT POST failed: why` when no answer came. */
export async function postJson(
  what: string,
  url: string,
  headers: Readonly<Record<string, string>>,
  body: unknown,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<PostAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'brokerwatch' },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      redirect: 'manual',
    });
  } catch (err) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const why =
      (err as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : cause instanceof Error
          ? cause.message
          : (err as Error).message;
    throw new Error(`${what} POST failed: ${why}`);
  }
  return { status: res.status, text: (await res.text().catch(() => '')).slice(0, 200) };
}

// Uploading a file to the room's attachments (POST /v1/rooms/{room}/attachments,
// docs/ATTACHMENTS.md) with the join token and an Idempotency-Key: what the
// photo note's offline queue (field_notes.ts) and the popup's "Attach a
// photo or PDF" (attach.ts) share. A retry with the same key is answered
// with the first upload's attachment, so a file is stored once however
// often an outage or a lost answer makes the app send it again.
import type { AppContext } from "./context.js";
import { t } from "./i18n/index.js";

// What the server takes, by content (the browser's picker only suggests it).
export const attachableTypes = "image/jpeg,image/png,image/webp,application/pdf";

export interface Uploaded {
  id: string;
  contentType: string;
  gps?: { lat: number; lon: number };
}

export interface Refusal {
  status: number;
  reason: string; // the server's own words, in English
}

// What an upload came to: the answer, "later" (no network, the server busy
// or restarting: the same key is sent again), or refused for good.
export type Upload = { ok: Uploaded } | { later: true } | { refused: Refusal };

export async function uploadAttachment(app: AppContext, key: string, bytes: ArrayBuffer): Promise<Upload> {
  let res: Response;
  try {
    res = await fetch(`/v1/rooms/${encodeURIComponent(app.invite.roomId)}/attachments`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${app.invite.token}`,
        // The server tells the type from the bytes; a browser's guess could only disagree.
        "Content-Type": "application/octet-stream",
        "Idempotency-Key": key,
      },
      body: bytes,
    });
  } catch {
    return { later: true };
  }
  if (res.status === 201) {
    let body: { id: string; content_type?: string; gps?: { lat: number; lon: number } };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      return { later: true }; // the answer was lost on the way: asked again with the same key
    }
    return {
      ok: {
        id: body.id,
        contentType: body.content_type ?? "",
        ...(body.gps ? { gps: { lat: body.gps.lat, lon: body.gps.lon } } : {}),
      },
    };
  }
  if (res.status >= 500 || res.status === 408 || res.status === 429) return { later: true };
  let reason = `HTTP ${res.status}`;
  try {
    reason = ((await res.json()) as { error?: string }).error ?? reason;
  } catch {
    // no JSON reason
  }
  return { refused: { status: res.status, reason } };
}

// The wait before the next try of an upload that could not be answered:
// 2 s, doubling up to 30 s, back to 2 s after an answer.
export class RetryDelay {
  private static readonly firstMs = 2_000;
  private static readonly maxMs = 30_000;
  private ms = RetryDelay.firstMs;

  next(): number {
    const now = this.ms;
    this.ms = Math.min(RetryDelay.maxMs, this.ms * 2);
    return now;
  }

  reset(): void {
    this.ms = RetryDelay.firstMs;
  }
}

// Uploads until the server answers, with the same key each time: after
// each failed try, waits out the delay or until the browser is back online.
// `waiting` is told each time the upload waits.
export async function uploadUntilAnswered(
  app: AppContext,
  key: string,
  bytes: ArrayBuffer,
  waiting: () => void,
): Promise<{ ok: Uploaded } | { refused: Refusal }> {
  const delay = new RetryDelay();
  for (;;) {
    const answer = await uploadAttachment(app, key, bytes);
    if (!("later" in answer)) return answer;
    waiting();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        window.removeEventListener("online", done);
        resolve();
      };
      const timer = setTimeout(done, delay.next());
      window.addEventListener("online", done);
    });
  }
}

// Why a file was not attached, in the page's language: the server's reasons
// are for logs and developers.
export function refusalText(file: string, refusal: Refusal): string {
  switch (refusal.status) {
    case 415:
      return t("attach.refused.type", { file });
    case 413:
      return t("attach.refused.tooLarge", { file });
    case 400:
      return t("attach.refused.damaged", { file });
    case 401:
    case 403:
      return t("attach.refused.notAllowed", { file });
    case 507:
      return t("attach.refused.full", { file });
    default:
      return t("attach.refused.other", { file, reason: refusal.reason });
  }
}

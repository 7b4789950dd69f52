// Plain HTTP helpers for the operator's own server in tests: JSON GETs with an
// optional bearer token, and a Server-Sent Events reader that keeps every event.
import { get, type IncomingMessage } from 'node:http';

export interface HttpResult {
  code: number;
  body: any;
  text: string;
}

export function httpGet(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ code: res.statusCode ?? 0, body, text });
      });
    }).on('error', reject);
  });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

export interface SseStream {
  code: number;
  events: SseEvent[];
  close(): void;
}

/** Opens an event stream; resolves once the response headers arrive (events keep accumulating). */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
      const events: SseEvent[] = [];
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const e: SseEvent = { event: 'message', data: undefined };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) {
            e.data = JSON.parse(data.join('\n'));
            events.push(e);
          }
        }
      });
      res.on('error', () => undefined);
      resolve({ code: res.statusCode ?? 0, events, close: () => req.destroy() });
    });
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
  });
}

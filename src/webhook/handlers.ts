// The webhook routes: read an AdmissionReview, decide with the pure validators
// and defaulters, answer with an AdmissionReview. No leader check: every
// replica answers, since the API server calls whichever one the Service picks.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KindDefinition } from '../api/v1alpha1/crd.js';
import type { Logger } from '../runtime/logger.js';
import type { RouteServer } from '../runtime/server.js';
import {
  ADMISSION_API_VERSION,
  responseFor,
  reviewResponse,
  type AdmissionReview,
  type AdmissionRequest,
  type Verdict,
} from './admission.js';
import { DEFAULTED_KINDS, defaultRequest } from './defaults.js';
import { KINDS, webhookPath, type WebhookType } from './kinds.js';
import { validateRequest } from './validate.js';

/** Two full objects (old and new) of at most ~3 MiB each fit. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

const DECIDE: Record<WebhookType, (def: KindDefinition, request: AdmissionRequest) => Verdict> = {
  validate: validateRequest,
  mutate: defaultRequest,
};

/** The webhooks the operator serves: validation for every kind, defaulting where there are defaults. */
export function servedWebhooks(): { type: WebhookType; def: KindDefinition }[] {
  return [
    ...KINDS.map((def) => ({ type: 'validate' as const, def })),
    ...KINDS.filter((def) => DEFAULTED_KINDS.includes(def.kind)).map((def) => ({
      type: 'mutate' as const,
      def,
    })),
  ];
}

/** Answers one AdmissionReview; a review without a request is a client error. */
export function review(type: WebhookType, def: KindDefinition, body: AdmissionReview): AdmissionReview {
  const request = body.request;
  if (body.apiVersion !== ADMISSION_API_VERSION || !request?.uid) {
    throw new BadReview(`expected an ${ADMISSION_API_VERSION} AdmissionReview with a request`);
  }
  return reviewResponse(responseFor(request, DECIDE[type](def, request)));
}

export class BadReview extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadReview(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Registers POST routes for every served webhook. */
export function registerWebhooks(server: RouteServer, log: Logger): void {
  for (const { type, def } of servedWebhooks()) {
    const path = webhookPath(type, def);
    server.route('POST', path, async (req, res) => {
      let body: AdmissionReview;
      try {
        body = JSON.parse(await readBody(req)) as AdmissionReview;
        const answer = review(type, def, body);
        const response = answer.response;
        if (response && !response.allowed) {
          log.info('admission denied', {
            webhook: path,
            operation: body.request?.operation,
            namespace: body.request?.namespace,
            name: body.request?.name,
            message: response.status?.message,
          });
        }
        reply(res, 200, answer);
      } catch (err) {
        if (!(err instanceof BadReview || err instanceof SyntaxError)) throw err;
        reply(res, 400, { message: err.message });
      }
    });
  }
}

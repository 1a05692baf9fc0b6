import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { CHANNELS, type Channel, type EventName, type Handlers } from '../app/contract/api.js';
import type { EventBus } from '../app/core/event-bus.js';
import { ApiError } from '../app/translate/errors.js';
import type { IpcChannel, IpcError, IpcEventChannel, IpcPrefix, IpcReply } from './preload.cjs';

// The contract over Electron IPC: one `ipcMain.handle('ccproxy:<channel>')` per contract channel, routing to the
// core's handlers, and the core's events pushed to the window on one channel. The preload is the other half; the
// channel names are typed against it so the two cannot drift.

export type { IpcReply, IpcError };

const PREFIX: IpcPrefix = 'ccproxy:';
export const EVENT_CHANNEL: IpcEventChannel = 'ccproxy:event';

export function ipcChannel<C extends Channel>(channel: C): IpcChannel<C> {
  return `${PREFIX}${channel}`;
}

/** Only our own bundled page may call in; a navigated or injected frame gets nothing. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, rendererUrl: string): boolean {
  const url = event.senderFrame?.url;
  return url !== undefined && url.split('#')[0] === rendererUrl;
}

const MAX_MESSAGE_CHARS = 2000;

/**
 * What crosses to the renderer when a handler fails: the type and message of an ApiError (what the HTTP bridge
 * sends too), a generic line for anything else (its stack stays in the main process log). A key the request
 * carried (settings.update, settings.testKey) is blanked out should a message ever echo it.
 */
export function toIpcError(err: unknown, request?: unknown): IpcError {
  if (!(err instanceof ApiError)) {
    console.error('ccproxy: IPC handler failed:', (err as Error)?.stack ?? err);
    return { type: 'api_error', message: 'internal error' };
  }
  let message = String(err.message);
  const key = (request as { apiKey?: unknown } | null | undefined)?.apiKey;
  if (typeof key === 'string' && key.trim().length >= 4) message = message.split(key.trim()).join('[redacted]');
  if (message.length > MAX_MESSAGE_CHARS) message = `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
  return { type: err.type, message };
}

export type TrustCheck = (event: IpcMainInvokeEvent) => boolean;

/**
 * Registers one handler per contract channel. Each resolves with `{ result }` or `{ error: { type, message } }`
 * (Electron would flatten a thrown error into "Error invoking remote method …" and lose its type).
 */
export function registerContract(ipcMain: Pick<IpcMain, 'handle'>, handlers: Handlers, isTrusted: TrustCheck): Channel[] {
  for (const channel of CHANNELS) {
    const handler = handlers[channel] as (request: unknown) => Promise<unknown>;
    ipcMain.handle(ipcChannel(channel), async (event, request: unknown): Promise<IpcReply> => {
      if (!isTrusted(event)) return { error: { type: 'permission_error', message: 'untrusted sender' } };
      try {
        return { result: await handler(request) };
      } catch (err) {
        return { error: toIpcError(err, request) };
      }
    });
  }
  return [...CHANNELS];
}

type Contents = Pick<WebContents, 'isDestroyed' | 'send'>;

/** Sends every core event to the window, while there is one; returns the unsubscribe function. */
export function forwardEvents(bus: Pick<EventBus, 'onAny'>, getWebContents: () => Contents | null | undefined): () => void {
  return bus.onAny((name: EventName, payload: unknown) => {
    const contents = getWebContents();
    if (contents && !contents.isDestroyed()) contents.send(EVENT_CHANNEL, name, payload);
  });
}

import {
  callNames,
  streamNames,
  type CallInput,
  type CallName,
  type CallOutput,
  type StreamEvent,
  type StreamInput,
  type StreamName,
} from './api.js';

/** The only thing a transport must provide: move a named call or stream across the pipe. */
export interface Transport {
  call(name: CallName, input: unknown): Promise<unknown>;
  stream(name: StreamName, input: unknown, signal?: AbortSignal): AsyncIterable<unknown>;
}

export type ApiClient = {
  [K in CallName]: (input: CallInput<K>) => Promise<CallOutput<K>>;
} & {
  streams: { [K in StreamName]: (input: StreamInput<K>, signal?: AbortSignal) => AsyncIterable<StreamEvent<K>> };
};

/** A typed proxy over any transport; the names come from the contract, never from strings here. */
export function createClient(transport: Transport): ApiClient {
  const client: Record<string, unknown> = {};
  for (const name of callNames) client[name] = (input: unknown) => transport.call(name, input);
  const s: Record<string, unknown> = {};
  for (const name of streamNames) s[name] = (input: unknown, signal?: AbortSignal) => transport.stream(name, input, signal);
  client.streams = s;
  return client as ApiClient;
}

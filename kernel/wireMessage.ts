/**
 * Jupyter wire messages: parsing and signing the multipart frames
 * (https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol).
 * Replies keep the shape tslab's server code uses (`createReply`,
 * `signAndSend`), so its handlers answer with these messages unchanged.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const DELIMITER = Buffer.from('<IDS|MSG>');

/** The header of a message (the parts the kernel reads). */
export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** What a socket needs to send frames. */
export interface FrameSink {
  send(frames: (Buffer | string)[]): unknown;
}

function sign(key: string, parts: (Buffer | string)[]): string {
  if (!key) return '';
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

export class WireMessage {
  identities: Buffer[] = [];
  header = {} as MessageHeader;
  parent: Partial<MessageHeader> = {};
  metadata: Record<string, unknown> = {};
  content: Record<string, unknown> = {};
  buffers: Buffer[] = [];

  /** Parses frames received on a ROUTER socket; throws on a bad signature. */
  static parse(key: string, frames: Buffer[]): WireMessage {
    const message = new WireMessage();
    const delimiter = frames.findIndex((frame) => frame.equals(DELIMITER));
    if (delimiter < 0) throw new Error('message has no <IDS|MSG> delimiter');
    message.identities = frames.slice(0, delimiter);
    const signature = frames[delimiter + 1]!.toString();
    const parts = frames.slice(delimiter + 2);
    if (key) {
      const expected = Buffer.from(sign(key, parts.slice(0, 4)));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('message signature does not match');
    }
    const json = (i: number) => JSON.parse(parts[i]?.toString() || '{}') as Record<string, unknown>;
    message.header = json(0) as unknown as MessageHeader;
    message.parent = json(1) as Partial<MessageHeader>;
    message.metadata = json(2);
    message.content = json(3);
    message.buffers = parts.slice(4);
    return message;
  }

  /** A message answering this one: same session and identities, this header as parent. */
  createReply(msgType?: string, content: Record<string, unknown> = {}): WireMessage {
    const reply = new WireMessage();
    reply.identities = this.identities;
    reply.header = {
      msg_id: randomBytes(16).toString('hex'),
      msg_type: msgType ?? this.header.msg_type,
      session: this.header.session,
      username: this.header.username,
      date: new Date().toISOString(),
      version: '5.3',
    };
    reply.parent = this.header;
    reply.content = content;
    return reply;
  }

  /** Signs the message with `key` and sends it on `socket`. */
  signAndSend(key: string, socket: FrameSink): void {
    const parts = [this.header, this.parent, this.metadata, this.content].map((part) => JSON.stringify(part));
    socket.send([...this.identities, DELIMITER, sign(key, parts), ...parts]);
  }
}

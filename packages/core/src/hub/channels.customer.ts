import type { MessagingChannel } from '../interaction/interaction.types';

// The id of a customer who wrote on a messaging channel. It must be a protocol id (letters, digits, `_ . : -`, at
// most 64 characters: every client's frame guards check it) and the same for every message from the same address,
// so that their conversations meet in one history. Addresses are not ids: an email has `@` (and may be long), an
// SMS or WhatsApp number `+`.

/** The longest protocol id (`id` in the wire schema). */
const ID_MAX = 64;

/** FNV-1a over UTF-16 code units, twice with different offsets: 64 bits as 16 hex digits, the same everywhere. */
function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/**
 * The customer id of `address` on `channel`: `<channel>:<address>` with every character an id cannot hold written as
 * `-` and four hex digits (`email:ann-0040shop.example`; `-` itself too, so two addresses never share an id), or
 * `<channel>::<hash>` when that is longer than an id may be (`::` cannot come from an address, whose `:` is
 * escaped). `address` is taken as the channel normalizes it (emails lower-cased by the caller).
 */
export function channelCustomerId(channel: MessagingChannel, address: string): string {
  const escaped = address.replace(
    /[^\w.]/g,
    (char) => `-${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const id = `${channel}:${escaped}`;
  return id.length <= ID_MAX ? id : `${channel}::${hash64(address)}`;
}

import { describe, expect, it } from 'vitest';
import { createRestorer, ibanChecksumOk, luhnOk, redact, redactText, restore, type RedactionKind } from '../../app/cloud/redact.js';

/** What `redactText` took out of `text`, as [kind, original] pairs in order. */
function found(text: string): [RedactionKind, string][] {
  const { text: out, map } = redactText(text);
  const kinds: Record<string, RedactionKind> = { EMAIL: 'email', PHONE: 'phone', CARD: 'card', IBAN: 'iban', IP: 'ip' };
  return [...out.matchAll(/\[([A-Z]+)_\d+\]/g)].filter((m) => map.has(m[0])).map((m) => [kinds[m[1]!]!, map.get(m[0])!]);
}

/** Asserts that `value`, alone in a sentence, is redacted whole as `kind`. */
function expectRedacted(kind: RedactionKind, value: string): void {
  expect(found(`see ${value}, thanks`), value).toEqual([[kind, value]]);
}

/** Asserts that nothing in `text` is redacted. */
function expectUntouched(text: string): void {
  const { text: out, map } = redactText(text);
  expect(map.size, text).toBe(0);
  expect(out).toBe(text);
}

describe('e-mail addresses', () => {
  it('finds common and tricky addresses', () => {
    for (const email of ['a@b.co', 'first.last+tag@sub.example.co.uk', "o'brien@example.com", 'user_name%x@mail-server.example.org', 'josé@exemple.fr', 'x@xn--80ak6aa92e.com']) {
      expectRedacted('email', email);
    }
    expect(found('Write to <bob@example.com>.')).toEqual([['email', 'bob@example.com']]);
    expect(found('mailto:alice@example.org?subject=hi')).toEqual([['email', 'alice@example.org']]);
  });

  it('leaves look-alikes alone', () => {
    expectUntouched('user@localhost, @handle, a@b, x@y.c, name at example dot com, foo@@bar.com is not one');
  });
});

describe('phone numbers', () => {
  it('finds international and national formats', () => {
    for (const phone of [
      '+1 (555) 123-4567',
      '+44 20 7946 0958',
      '+4915123456789',
      '+33 1 23 45 67 89',
      '+49 (0)30 123456',
      '0044 20 7946 0958',
      '(555) 123-4567',
      '555-123-4567',
      '555.123.4567',
      '555-1234',
      '1-800-555-0199',
      '01.23.45.67.89',
      '030/1234567',
      '612 345 678',
    ]) {
      expectRedacted('phone', phone);
    }
    expect(found('Tel:+1-555-123-4567')).toEqual([['phone', '+1-555-123-4567']]);
  });

  it('leaves years, dates, times, versions, amounts and short numbers alone', () => {
    expectUntouched('In 2026 we met on 2026-11-28 at 12:30, then 28.11.2026 and 11/28/2026 at 12:30:45.');
    expectUntouched('From 2019-2024 and 2023 2024; in 2026 555 people came; 2026-11-28 14:30; 2026-11-28T14:30:00Z.');
    expectUntouched('Versions 1.2.3, v1.2.3, 20.19.0, 10.0.19041.1234; pi is 3.14159265; 48.85661234 N.');
    expectUntouched('It costs 1 234 567 or 12.345.678 or 1,234,567; range 1000-2000 or 50000-60000; 12345 and 123456.');
    expectUntouched('Unix time 1732800000, order 5551234567, id abc-555-1234x, hash 1234-5678-abcd.');
    expectUntouched('Steps 1 2 3 4 5 6 7 8 9 and 1-2-3-4-5-6-7.');
  });

  it('keeps a date next to a number out of the number', () => {
    expect(found('on 2026-11-28 555-123-4567')).toEqual([['phone', '555-123-4567']]);
    expect(found('at 12:30 +44 20 7946 0958')).toEqual([['phone', '+44 20 7946 0958']]);
  });
});

describe('payment cards', () => {
  it('checks the Luhn digit', () => {
    expect(luhnOk('4111111111111111')).toBe(true);
    expect(luhnOk('4111111111111112')).toBe(false);
    expect(luhnOk('79927398713')).toBe(true);
  });

  it('finds valid numbers in their usual groupings', () => {
    for (const card of ['4111 1111 1111 1111', '4111-1111-1111-1111', '4111111111111111', '5500 0000 0000 0004', '3782 822463 10005', '378282246310005', '6011111111111117', '30569309025904', '4222222222222']) {
      expectRedacted('card', card);
    }
  });

  it('leaves numbers failing Luhn alone, and the phone rule does not take them either', () => {
    expectUntouched('Card 4111 1111 1111 1112, or 4111-1111-1111-1112, or 4111111111111112, or 3782 822463 10006.');
    expectUntouched('Amex-like 3782 822463 1000 and 5500 0000 0000 0005.');
  });

  it('is not half-eaten by the phone rule', () => {
    expect(found('Pay with 4111 1111 1111 1111 today')).toEqual([['card', '4111 1111 1111 1111']]);
    expect(found('ref 1234 4111 1111 1111 1111')).toEqual([['card', '4111 1111 1111 1111']]);
    expect(found('4111 1111 1111 1111 188.138.59.2')).toEqual([['card', '4111 1111 1111 1111'], ['ip', '188.138.59.2']]);
    expect(found('4111 1111 1111 1112 188.138.59.2')).toEqual([['ip', '188.138.59.2']]);
    expect(found('4111 1111 1111 1111 077-5895879')).toEqual([['card', '4111 1111 1111 1111'], ['phone', '077-5895879']]);
  });
});

describe('IBANs', () => {
  const valid = ['DE89370400440532013000', 'GB82WEST12345698765432', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'BE68539007547034', 'NO9386011117947', 'CH9300762011623852957'];
  const grouped = (s: string) => s.replace(/(.{4})(?=.)/g, '$1 ');

  it('checks ISO 13616 mod 97', () => {
    for (const iban of valid) expect(ibanChecksumOk(iban), iban).toBe(true);
    expect(ibanChecksumOk('DE89370400440532013001')).toBe(false);
    expect(ibanChecksumOk('DE88370400440532013000')).toBe(false);
  });

  it('finds valid IBANs in one block or grouped by four', () => {
    for (const iban of valid) {
      expectRedacted('iban', iban);
      expectRedacted('iban', grouped(iban));
    }
    expect(found('IBAN: DE89 3704 0044 0532 0130 00 OK')).toEqual([['iban', 'DE89 3704 0044 0532 0130 00']]);
  });

  it('leaves a wrong checksum alone, whole', () => {
    expectUntouched('IBAN DE89 3704 0044 0532 0130 01 and GB82WEST12345698765433.');
    expectUntouched('Not IBANs: AB12, MP3, DE89 ok.');
  });
});

describe('IP addresses', () => {
  it('finds IPv4 with octets up to 255', () => {
    for (const ip of ['192.168.0.1', '10.0.0.255', '255.255.255.255', '8.8.8.8']) expectRedacted('ip', ip);
    expect(found('http://192.168.1.20:8080/admin and 10.1.2.3/24')).toEqual([['ip', '192.168.1.20'], ['ip', '10.1.2.3']]);
  });

  it('finds IPv6, full and compressed', () => {
    for (const ip of ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:db8::1', 'fe80::1', '2001:db8::', '::ffff:192.168.0.1', '2001:db8:0:0:1::1']) {
      expectRedacted('ip', ip);
    }
    expect(found('[2001:db8::42]:443 and fe80::1%eth0.')).toEqual([['ip', '2001:db8::42'], ['ip', 'fe80::1']]);
  });

  it('leaves invalid addresses, times and noise alone', () => {
    expectUntouched('999.1.1.1, 256.1.1.1, 300.300.300.300, 1.2.3, 1.2.3.4.5, 12:30, 12:30:45, 3:16, 16:9.');
    expectUntouched('MAC 00:1A:2B:3C:4D:5E and 00:1a:2b:3c:4d:5e:6f:70, std::vector, a[::2], x[1::2], dead::beef, ::.');
  });
});

describe('redact', () => {
  it('gives the same value the same placeholder in every text, and counts distinct values', () => {
    const r = redact(['You help bob@example.com.', 'Mail bob@example.com or +44 20 7946 0958.', 'Also amy@example.com and bob@example.com, 8.8.8.8.']);
    expect(r.texts).toEqual(['You help [EMAIL_1].', 'Mail [EMAIL_1] or [PHONE_1].', 'Also [EMAIL_2] and [EMAIL_1], [IP_1].']);
    expect(r.counts).toEqual({ email: 2, phone: 1, card: 0, iban: 0, ip: 1 });
    expect(Object.fromEntries(r.map)).toEqual({ '[EMAIL_1]': 'bob@example.com', '[EMAIL_2]': 'amy@example.com', '[PHONE_1]': '+44 20 7946 0958', '[IP_1]': '8.8.8.8' });
  });

  it('prefers the most specific kind', () => {
    expect(found('call.me.5551234567@example.com')).toEqual([['email', 'call.me.5551234567@example.com']]);
    expect(found('DE89 3704 0044 0532 0130 00')).toEqual([['iban', 'DE89 3704 0044 0532 0130 00']]);
    expect(found('::ffff:10.0.0.1')).toEqual([['ip', '::ffff:10.0.0.1']]);
  });

  it('does not reuse numbers of placeholder-shaped text already there, and restores exactly', () => {
    const texts = ['The template says [EMAIL_1] and [PHONE_2]; [IP_0] and [EMAIL_01] are not ours.', 'Real: bob@example.com, +1 555 123 4567, 555-765-4321, 1.2.3.4'];
    const r = redact(texts);
    expect(r.texts[0]).toBe(texts[0]);
    expect(r.texts[1]).toBe('Real: [EMAIL_2], [PHONE_1], [PHONE_3], [IP_1]');
    expect(r.texts.map((t) => restore(t, r.map))).toEqual(texts);
    // A reply quoting both restores only ours.
    expect(restore('[EMAIL_1] vs [EMAIL_2], [PHONE_2] vs [PHONE_3], [EMAIL_9]', r.map)).toBe('[EMAIL_1] vs bob@example.com, [PHONE_2] vs 555-765-4321, [EMAIL_9]');
  });

  it('survives a value glued inside placeholder-shaped text', () => {
    const text = '[EMAIL_a@b.com] [PHONE_[EMAIL_1]] [[IP_1]] [IP_10.0.0.1]';
    const r = redactText(text);
    expect(r.map.size).toBe(2);
    expect(restore(r.text, r.map)).toBe(text);
  });

  it('round-trips a varied paragraph', () => {
    const paragraph = [
      'Hi, I am Jane (jane.doe+work@mail.example.co.uk, +1 (555) 123-4567, or 0044 20 7946 0958).',
      'Pay 4111 1111 1111 1111 or IBAN DE89 3704 0044 0532 0130 00; not 4111 1111 1111 1112.',
      'Server 192.168.0.10 / 2001:db8::1 went down on 2026-11-28 at 12:30 after v1.2.3; 999.1.1.1 is bogus.',
      'Template: [EMAIL_1], [CARD_2]. Price: $&1 234,50 — naïve 日本語 🙂 «ok».',
    ].join('\n');
    const r = redactText(paragraph);
    expect(r.counts).toEqual({ email: 1, phone: 2, card: 1, iban: 1, ip: 2 });
    for (const value of r.map.values()) expect(r.text).not.toContain(value);
    expect(r.text).toContain('2026-11-28 at 12:30 after v1.2.3; 999.1.1.1');
    expect(restore(r.text, r.map)).toBe(paragraph);
  });

  it('handles no texts and texts without personal data', () => {
    expect(redact([])).toEqual({ texts: [], map: new Map(), counts: { email: 0, phone: 0, card: 0, iban: 0, ip: 0 } });
    expect(redact(['', 'plain text']).texts).toEqual(['', 'plain text']);
  });
});

describe('restore', () => {
  it('puts values back literally, whatever they contain', () => {
    const map = new Map([['[EMAIL_1]', "$&'$1@example.com"]]);
    expect(restore('to [EMAIL_1] and [EMAIL_1]', map)).toBe("to $&'$1@example.com and $&'$1@example.com");
    expect(restore('[EMAIL_2] [EMAIL_1', map)).toBe('[EMAIL_2] [EMAIL_1');
  });
});

// ---------------------------------------------------------------------------------------------
// Property-style: many random texts mixing personal data with noise (seeded, reproducible).

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generators(rand: () => number) {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join('');
  const from = (chars: string, n: number) => Array.from({ length: n }, () => chars[int(chars.length)]).join('');
  const fill = (template: string) => template.replace(/D/g, () => String(int(10))).replace(/N/g, () => String(2 + int(8)));
  const luhnComplete = (body: string) => {
    for (let d = 0; d < 10; d++) if (luhnOk(body + d)) return body + d;
    throw new Error('unreachable');
  };
  const ibanComplete = (cc: string, bban: string) => {
    const s = bban + cc + '00';
    let rem = 0;
    for (const ch of s) {
      const v = parseInt(ch, 36);
      rem = v < 10 ? (rem * 10 + v) % 97 : (rem * 100 + v) % 97;
    }
    return cc + String(98 - rem).padStart(2, '0') + bban;
  };
  const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const pii: Record<RedactionKind, () => string> = {
    email: () => {
      const local = from('abcdefghijklmnopqrstuvwxyz0123456789', 1 + int(8)) + pick(['', '.' + from('abcxyz', 3), '+' + from('tag01', 3), '_' + digits(2)]);
      return `${local}@${pick(['', from('mailsrv', 4) + '.'])}${from('examplstdo', 3 + int(6))}.${pick(['com', 'org', 'co.uk', 'io', 'de'])}`;
    },
    phone: () =>
      fill(pick(['+1 (NDD) NDD-DDDD', '+44 20 DDDD DDDD', 'NDD.NDD.DDDD', '(NDD) NDD-DDDD', '+33 N DD DD DD DD', '0049 30 DDDDDDD', '0DD-DDDDDDD', 'NDD-NDD-DDDD', '+49 (0)30 DDDDDD', '+4915DDDDDDDDD'])),
    card: () => {
      if (rand() < 0.3) {
        const n = luhnComplete('37' + digits(12));
        return `${n.slice(0, 4)} ${n.slice(4, 10)} ${n.slice(10)}`;
      }
      const n = luhnComplete(pick(['4', '5', '6']) + digits(14));
      const sep = pick([' ', '-', '']);
      return sep === '' ? n : n.match(/.{4}/g)!.join(sep);
    },
    iban: () => {
      const iban = pick([
        () => ibanComplete('DE', digits(18)),
        () => ibanComplete('GB', from(upper, 4) + digits(14)),
        () => ibanComplete('FR', digits(10) + from(upper + '0123456789', 11) + digits(2)),
        () => ibanComplete('NL', from(upper, 4) + digits(10)),
        () => ibanComplete('NO', digits(11)),
      ])();
      return rand() < 0.5 ? iban : iban.replace(/(.{4})(?=.)/g, '$1 ');
    },
    ip: () => {
      const r = int(4);
      if (r === 0) return `${1 + int(255)}.${int(256)}.${int(256)}.${int(256)}`;
      if (r === 1) return Array.from({ length: 8 }, () => from('0123456789abcdef', 4)).join(':');
      if (r === 2) return `2001:db8::${from('0123456789abcdef', 1 + int(4))}`;
      return `fe80::${from('0123456789abcdef', 4)}:${int(10)}${from('0123456789abcdef', 3)}`;
    },
  };
  const noise = [
    'hello', 'Modest', 'the', 'naïve', 'café', '日本語', '🙂', 'x@y', '@handle', 'a.b', '2026', '1999', '2026-11-28', '28.11.2026',
    '12:30', '12:30:45', '1.2.3', 'v2.0.1', '10.0.19041.1234', '42', '3.14', '1 234 567', '999.1.1.1', '300.300.300.300',
    '4111 1111 1111 1112', 'DE89 3704 0044 0532 0130 01', 'std::vector', 'a[::2]', '00:1A:2B:3C:4D:5E', '[EMAIL_1]', '[PHONE_2]',
    '[IP_1]', '[CARD_12]', '[', ']', '[EMA', 'IL_1]', '[[', '$&', '$1', 'ok.', '(see)', '1000-2000', '«»',
  ];
  const seps = [' ', ', ', '; ', '\n', ' and ', ' — ', ': ', '. '];
  const kinds = Object.keys(pii) as RedactionKind[];
  return {
    text(values: string[]): string {
      const parts: string[] = [];
      const n = 1 + int(14);
      for (let k = 0; k < n; k++) {
        if (rand() < 0.4) {
          const value = values.length > 0 && rand() < 0.3 ? pick(values) : pii[pick(kinds)]();
          values.push(value);
          parts.push(value);
        } else {
          parts.push(pick(noise));
        }
        if (k < n - 1) parts.push(pick(seps));
      }
      return parts.join('');
    },
  };
}

describe('property: random texts mixing personal data and noise', () => {
  it('round-trips and leaves no original value in what is sent', () => {
    const rand = mulberry32(20261128);
    const gen = generators(rand);
    for (let round = 0; round < 400; round++) {
      const values: string[] = [];
      const texts = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => gen.text(values));
      const r = redact(texts);
      expect(r.texts.map((t) => restore(t, r.map)), JSON.stringify(texts)).toEqual(texts);
      for (const value of values) {
        for (const sent of r.texts) expect(sent.includes(value), `${value} in ${JSON.stringify(sent)}`).toBe(false);
      }
      // One placeholder per distinct value.
      expect(new Set(r.map.values()).size).toBe(r.map.size);
      expect(Object.values(r.counts).reduce((a, b) => a + b, 0)).toBe(r.map.size);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('createRestorer', () => {
  const { texts, map } = redact(['Mail bob@example.com or amy@example.com, call +44 20 7946 0958, pay 4111 1111 1111 1111, IBAN DE89370400440532013000, host 10.0.0.1.']);
  const placeholders = [...map.keys()];
  const reply = `Sure: ${placeholders.join(' and ')}.\n[EMAIL_1] again, [EMAIL_9] is not ours, [ bracket [EMA, ${placeholders[1]!}${placeholders[0]!}[[IP_1]] end [IBAN_`;
  const whole = restore(reply, map);
  const longest = Math.max(...placeholders.map((p) => p.length));

  it('is set up with placeholders in the sent text', () => {
    expect(texts[0]).toBe('Mail [EMAIL_1] or [EMAIL_2], call [PHONE_1], pay [CARD_1], IBAN [IBAN_1], host [IP_1].');
    expect(whole).toContain('bob@example.com');
  });

  it('equals restoring the whole reply for every split point', () => {
    for (let i = 0; i <= reply.length; i++) {
      const r = createRestorer(map);
      expect(r.push(reply.slice(0, i)) + r.push(reply.slice(i)) + r.flush(), `split at ${i}`).toBe(whole);
    }
  });

  it('equals restoring the whole reply for every pair of split points', () => {
    for (let i = 0; i <= reply.length; i += 1) {
      for (let j = i; j <= reply.length; j += 3) {
        const r = createRestorer(map);
        expect(r.push(reply.slice(0, i)) + r.push(reply.slice(i, j)) + r.push(reply.slice(j)) + r.flush()).toBe(whole);
      }
    }
  });

  it('streamed a character at a time, holds back less than the longest placeholder', () => {
    const r = createRestorer(map);
    let shown = '';
    for (let i = 1; i <= reply.length; i++) {
      shown += r.push(reply[i - 1]!);
      const prefix = reply.slice(0, i);
      const held = Array.from({ length: longest }, (_, h) => h).find((h) => restore(prefix.slice(0, prefix.length - h), map) === shown);
      expect(held, `after ${JSON.stringify(prefix)}`).toBeDefined();
    }
    expect(shown + r.flush()).toBe(whole);
  });

  it('holds a split placeholder until complete and lets everything else through at once', () => {
    const r = createRestorer(map);
    expect(r.push('Hello [EMA')).toBe('Hello ');
    expect(r.push('IL_')).toBe('');
    expect(r.push('1], [x] and [EMAIL_9')).toBe('bob@example.com, [x] and [EMAIL_9');
    expect(r.push('] [IP_')).toBe('] ');
    expect(r.flush()).toBe('[IP_');
    expect(r.flush()).toBe('');
    expect(createRestorer(new Map()).push('[EMA')).toBe('[EMA');
  });
});

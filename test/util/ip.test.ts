// ipFamily gives net.isIP's answer for every kind of word a rules file or a request may hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { ipFamily } from '../../src/util/ip.js';

void test('ipFamily answers as net.isIP', () => {
  const words = [
    '127.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '256.1.1.1',
    '1.2.3',
    '::1',
    '::',
    'fe80::1%eth0',
    'fe80::1%',
    '::ffff:192.0.2.1',
    '2001:db8::g',
    '2001:DB8:0:0:8:800:200C:417A',
    'admin:watchdog',
    'localhost',
    'deadbeef',
    'abc:def',
    '1:2:3:4:5:6:7:8:9',
    '',
    '10.0.0.0/8',
    'a.b.c.d',
  ];
  for (const w of words) assert.equal(ipFamily(w), isIP(w), w);
});

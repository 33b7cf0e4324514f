import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, amzDate, encodeKey, signV4 } from './sigv4.js';

// The example credentials of the AWS S3 documentation ("Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk").
const cred = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region: 'us-east-1' };

describe('signV4 against the AWS documentation examples', () => {
  it('GET Object (first 10 bytes of test.txt)', () => {
    const s = signV4(
      {
        method: 'GET',
        url: 'https://examplebucket.s3.amazonaws.com/test.txt',
        headers: { Range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': '20130524T000000Z' },
        payloadHash: EMPTY_SHA256,
      },
      cred,
    );
    expect(s.canonicalRequest).toBe(
      'GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(s.stringToSign).toBe('AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972');
    expect(s.signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    expect(s.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('PUT Object (test$file.text with a storage class), a key that needs encoding', () => {
    const body = 'Welcome to Amazon S3.';
    const hash = crypto.createHash('sha256').update(body).digest('hex');
    const s = signV4(
      {
        method: 'PUT',
        url: `https://examplebucket.s3.amazonaws.com/${encodeKey('test$file.text')}`,
        headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-date': '20130524T000000Z', 'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'x-amz-content-sha256': hash },
        payloadHash: hash,
      },
      cred,
    );
    expect(s.canonicalRequest.split('\n')[1]).toBe('/test%24file.text');
    expect(s.signature).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('GET Bucket lifecycle and list objects: query strings are sorted and encoded', () => {
    const get = (url: string) => signV4({ method: 'GET', url, headers: { 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY_SHA256 }, payloadHash: EMPTY_SHA256 }, cred);
    expect(get('https://examplebucket.s3.amazonaws.com/?lifecycle').signature).toBe('fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
    expect(get('https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J').signature).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });

  it('amzDate is the basic ISO format; a missing x-amz-date is refused', () => {
    expect(amzDate(new Date('2026-11-29T03:04:05.678Z'))).toBe('20261129T030405Z');
    expect(() => signV4({ method: 'GET', url: 'https://h/x', headers: {}, payloadHash: EMPTY_SHA256 }, cred)).toThrow(/x-amz-date/);
  });
});

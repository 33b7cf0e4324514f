import { describe, expect, it } from 'vitest';
import { childLevel, gridCode, levelOfCode, microgridCode, normalizeCode, parentCodeOf, parseLevel } from './codes.js';

describe('normalizeCode', () => {
  it('pads 6- and 9-digit NBS codes to 12', () => {
    expect(normalizeCode('530112')).toBe('530112000000');
    expect(normalizeCode('530112001')).toBe('530112001000');
    expect(normalizeCode(530112)).toBe('530112000000');
  });
  it('keeps 12-, 15- and 17-digit codes', () => {
    expect(normalizeCode('530112001002')).toBe('530112001002');
    expect(normalizeCode('530112001002003')).toBe('530112001002003');
    expect(normalizeCode('53011200100200301')).toBe('53011200100200301');
  });
  it('rejects other lengths and non-digits', () => {
    for (const bad of ['', '5301', '5301120', '53011200100', '5301120010020', 'abcdefabcdef', '530112 001', ' ', null, undefined, 1.5, -530112, {}]) {
      expect(normalizeCode(bad)).toBeNull();
    }
  });
  it('trims whitespace', () => expect(normalizeCode(' 530112 ')).toBe('530112000000'));
});

describe('levels from codes', () => {
  it('reads the level from the non-zero parts', () => {
    expect(levelOfCode('530100000000')).toBe('city');
    expect(levelOfCode('530112000000')).toBe('district');
    expect(levelOfCode('530112001000')).toBe('street');
    expect(levelOfCode('530112001002')).toBe('community');
    expect(levelOfCode('530112001002003')).toBe('grid');
    expect(levelOfCode('53011200100200301')).toBe('microgrid');
    expect(levelOfCode('530000000000')).toBeNull(); // a province is not in our hierarchy
  });
  it('knows the parent code by construction', () => {
    expect(parentCodeOf('530112001002')).toBe('530112001000');
    expect(parentCodeOf('530112001000')).toBe('530112000000');
    expect(parentCodeOf('530112000000')).toBe('530100000000');
    expect(parentCodeOf('530112001002003')).toBe('530112001002');
    expect(parentCodeOf('53011200100200301')).toBe('530112001002003');
    expect(parentCodeOf('530100000000')).toBeNull();
  });
  it('maps NBS level names (village is our community)', () => {
    expect(parseLevel('village')).toBe('community');
    expect(parseLevel('town')).toBe('street');
    expect(parseLevel('County')).toBe('district');
    expect(parseLevel('province')).toBeNull();
  });
  it('child levels', () => {
    expect(childLevel('community')).toBe('grid');
    expect(childLevel('microgrid')).toBeNull();
  });
});

describe('grid codes (GB/T 30428)', () => {
  it('extend the community code by 3 and the grid code by 2 digits', () => {
    expect(gridCode('530112001002', 7)).toBe('530112001002007');
    expect(microgridCode('530112001002007', 12)).toBe('53011200100200712');
  });
  it('refuse numbers that do not fit', () => {
    expect(() => gridCode('530112001002', 0)).toThrow(RangeError);
    expect(() => gridCode('530112001002', 1000)).toThrow(RangeError);
    expect(() => microgridCode('530112001002007', 100)).toThrow(RangeError);
    expect(() => gridCode('530112', 1)).toThrow(RangeError);
  });
});

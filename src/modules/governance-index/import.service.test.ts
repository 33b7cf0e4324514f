import { describe, expect, it } from 'vitest';
import { detectFormat, parseIndicatorFile } from './import.service.js';

describe('parseIndicatorFile', () => {
  it('reads the long layout', async () => {
    const p = await parseIndicatorFile(Buffer.from('\uFEFFregion_code,period,indicator_code,value\n530102000000,2026,public_safety_sense,95\n'), 'a.csv');
    expect(p).toMatchObject({ format: 'csv', layout: 'long', rowCount: 1 });
    expect(p.cells[0]).toMatchObject({ row: 2, regionCode: '530102000000', period: '2026', code: 'public_safety_sense', raw: '95', column: 'value' });
  });

  it('reads the wide layout, ignoring region_name and empty cells', async () => {
    const p = await parseIndicatorFile(Buffer.from('region_code,region_name,period,a_score,b_score\n530102000000,五华区,2026,1,\n530103000000,盘龙区,2026,,2\n'));
    expect(p.layout).toBe('wide');
    expect(p.cells.map((c) => [c.row, c.code, c.raw])).toEqual([[2, 'a_score', '1'], [3, 'b_score', '2']]);
  });

  it('names a missing header column', async () => {
    await expect(parseIndicatorFile(Buffer.from('region_code,indicator_code,value\n1,2,3\n'))).rejects.toMatchObject({ code: 'index_import_invalid', message: expect.stringMatching(/row 1, column period/) });
  });

  it('tells XLSX from CSV by name, type or content', () => {
    expect(detectFormat(Buffer.from('PK\u0003\u0004'))).toBe('xlsx');
    expect(detectFormat(Buffer.from('a,b'), 'x.CSV')).toBe('csv');
    expect(detectFormat(Buffer.from('a,b'), undefined, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')).toBe('xlsx');
  });
});

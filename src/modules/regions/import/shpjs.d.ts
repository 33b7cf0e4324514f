declare module 'shpjs' {
  type Bytes = ArrayBuffer | ArrayBufferView;
  /** A zip of one or more layers, or the parts of one .shp set; GeoJSON (reprojected to WGS-84 when a .prj is given). */
  function shp(input: Bytes | { shp: Bytes; dbf?: Bytes | undefined; prj?: Bytes | string | undefined; cpg?: Bytes | string | undefined }): Promise<unknown>;
  export default shp;
}

// Drawing on the map without a plugin: a box (two corners), a polygon or a line (click the
// vertices, double-click to finish). The draft is shown as it grows; `done` gets GeoJSON.

const DRAFT = "draft";
const EMPTY = { type: "FeatureCollection", features: [] };

export class Drawer {
  constructor(map, done) {
    this.map = map;
    this.done = done;
    this.mode = null;
    map.addSource(DRAFT, { type: "geojson", data: EMPTY });
    map.addLayer({ id: "draft-fill", type: "fill", source: DRAFT, filter: ["==", ["geometry-type"], "Polygon"],
                   paint: { "fill-color": "#00a6d6", "fill-opacity": 0.15 } });
    map.addLayer({ id: "draft-line", type: "line", source: DRAFT,
                   paint: { "line-color": "#00a6d6", "line-width": 2, "line-dasharray": [2, 1] } });
    map.on("click", (e) => this.mode && this.add(e.lngLat));
    map.on("mousemove", (e) => this.mode && this.show(e.lngLat));
    map.on("dblclick", (e) => { if (this.mode) { e.preventDefault(); this.finish(); } });
  }

  start(mode) {
    this.mode = mode;
    this.vertices = [];
    this.map.doubleClickZoom.disable();
    this.map.getCanvas().style.cursor = "crosshair";
  }

  add(lngLat) {
    const point = [lngLat.lng, lngLat.lat];
    const last = this.vertices[this.vertices.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) this.vertices.push(point);
    if (this.mode === "box" && this.vertices.length === 2) this.finish();
    else this.show(lngLat);
  }

  show(lngLat) {
    const geometry = this.geometry([...this.vertices, [lngLat.lng, lngLat.lat]]);
    this.map.getSource(DRAFT).setData(geometry ? { type: "Feature", geometry, properties: {} } : EMPTY);
  }

  geometry(vertices) {
    if (this.mode === "box" && vertices.length >= 2) {
      const [[x1, y1], [x2, y2]] = vertices;
      return { type: "Polygon", coordinates: [[[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]] };
    }
    if (this.mode === "polygon" && vertices.length >= 3) {
      return { type: "Polygon", coordinates: [[...vertices, vertices[0]]] };
    }
    if (vertices.length >= 2) return { type: "LineString", coordinates: vertices };
    return null;
  }

  finish() {
    const geometry = this.geometry(this.vertices);
    const mode = this.mode;
    this.mode = null;
    this.map.getCanvas().style.cursor = "";
    // Re-enabled after this double-click has passed, so it does not zoom.
    setTimeout(() => this.map.doubleClickZoom.enable(), 300);
    if (geometry) this.done(geometry, mode);
  }

  clear() {
    this.map.getSource(DRAFT).setData(EMPTY);
  }
}

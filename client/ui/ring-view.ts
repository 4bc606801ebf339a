/** Draws the ring model into the page's SVG; every label goes in through textContent. */
import { PEER_RADIUS, type RingDot } from './ring-model';

const SVG_NS = 'http://www.w3.org/2000/svg';
const MARGIN = 14;

const DOT_RADIUS: Record<RingDot['kind'], number> = { peer: 6, file: 3 };
const SELF_RADIUS = 8;

export type RingView = (picture: { dots: RingDot[]; range: string | undefined }) => void;

export function createRingView(svg: SVGSVGElement): RingView {
  const extent = PEER_RADIUS + MARGIN;
  svg.setAttribute('viewBox', `${-extent} ${-extent} ${2 * extent} ${2 * extent}`);
  const track = svgElement('circle', { class: 'track', r: PEER_RADIUS });
  const range = svgElement('path', { class: 'range' });
  const layer = svgElement('g', {});
  svg.replaceChildren(track, range, layer);

  return (picture) => {
    if (picture.range) range.setAttribute('d', picture.range);
    else range.removeAttribute('d');
    layer.replaceChildren(...picture.dots.map(drawDot));
  };
}

function drawDot(dot: RingDot): SVGElement {
  const circle = svgElement('circle', {
    class: [dot.kind, ...dot.classes].join(' '),
    cx: dot.x,
    cy: dot.y,
    r: dot.classes.includes('self') ? SELF_RADIUS : DOT_RADIUS[dot.kind],
  });
  const title = svgElement('title', {});
  title.textContent = dot.title;
  circle.append(title);
  return circle;
}

function svgElement(tag: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

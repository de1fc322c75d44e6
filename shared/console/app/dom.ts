/**
 * Building the page from data, as text only: every string from the API goes in through a text node
 * or an attribute, never as markup, and listeners are added in code (the CSP forbids inline handlers).
 */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Listeners = { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
type AttrValue = string | number | boolean | null | undefined;

export interface Attrs {
  /** Becomes `data-testid`. */
  testid?: string | null | undefined;
  on?: Listeners;
  [attribute: string]: AttrValue | Listeners;
}

export function append<N extends Node>(node: N, children: readonly Child[]): N {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child as readonly Child[]);
    else if (typeof child === 'string' || typeof child === 'number')
      node.appendChild(document.createTextNode(String(child)));
    else node.appendChild(child as Node);
  }
  return node;
}

/** Replaces a node's children. */
export function fill<N extends Node>(node: N, ...children: Child[]): N {
  while (node.firstChild) node.removeChild(node.firstChild);
  return append(node, children);
}

function setAttrs<E extends Element>(node: E, attrs: Attrs | null | undefined): E {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'on') {
      for (const [type, listener] of Object.entries(value as Listeners))
        node.addEventListener(type, listener as EventListener);
    } else if (key === 'testid') node.setAttribute('data-testid', String(value));
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  return node;
}

/** An HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  return append(setAttrs(document.createElement(tag), attrs), children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** An SVG element with attributes and children. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  return append(setAttrs(document.createElementNS(SVG_NS, tag), attrs), children);
}

export function show(node: HTMLElement, visible: boolean): void {
  node.hidden = !visible;
}

/** The element with this id in the static page (the page's HTML guarantees it). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no #${id}`);
  return el as T;
}

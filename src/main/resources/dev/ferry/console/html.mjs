// Templates as tagged strings (htm) rendered by Preact: no build step, and the page runs what Ferry ships.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);

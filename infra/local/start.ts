/**
 * `npm start`: the Node check, then the narrated sandbox run (demo.ts). The demo is loaded after
 * the check, so an old Node gets one line instead of a TypeError from a dependency.
 */
import { exitUnlessSupportedNode } from '../../shared/runtime/node-version.js';

exitUnlessSupportedNode();
await import('./demo.js');

import { describe, expect, it } from 'vitest';
import { soakChart } from '../../../cli/soak-chart.js';
import { LIMIT_COLOUR, referenceLine } from '../../../cli/svg.js';
import { workloadChart } from '../../../cli/workload-chart.js';

/** Each reference line of an SVG: its colour and its label. */
const referenceLines = (svg: string) =>
  [...svg.matchAll(/<line [^>]*stroke="([^"]+)" stroke-width="2"[^>]*\/><text [^>]*>([^<]*)<\/text>/g)].map(
    ([, colour, label]) => ({ colour, label }),
  );

describe('Function: referenceLine', () => {
  it('draws a solid line from one end to the other at y, its label 4 px past the end and escaped', () => {
    // Act
    const svg = referenceLine({ from: 48, to: 488, y: 52.25, colour: LIMIT_COLOUR, label: '<5 & "7">' });

    // Assess
    expect(svg).toBe(
      '<line x1="48" x2="488" y1="52.3" y2="52.3" stroke="#c62828" stroke-width="2"/><text x="492" y="56.3">&#60;5 &#38; &#34;7&#34;&#62;</text>',
    );
  });

  it('is dashed and drawn on whole pixels only when asked', () => {
    // Act
    const svg = referenceLine({
      from: 0,
      to: 10,
      y: 5,
      colour: '#000',
      label: 'x',
      dashed: true,
      crisp: true,
    });

    // Assess
    expect(svg).toContain('stroke-width="2" shape-rendering="crispEdges" stroke-dasharray="6 4"/>');
  });
});

describe('Constant: LIMIT_COLOUR', () => {
  it('is the colour of the hard limit in both the soak chart and the workload chart', () => {
    // Act
    const soak = soakChart('orders', {
      outcome: 'quiet',
      series: [{ from: '2026-12-01T10:00:00.000Z', to: '2026-12-01T10:05:00.000Z', lagMs: 300 }],
    });
    const workload = workloadChart('orders', [{ shardId: '0001', cacheClusterId: 'orders-0001-001' }], {
      limitMiBs: 100,
      headroom: 0.7,
    });

    // Assess
    expect(referenceLines(soak)).toContainEqual({ colour: LIMIT_COLOUR, label: '10 s: writes rejected' });
    expect(referenceLines(workload)).toContainEqual({ colour: LIMIT_COLOUR, label: '100 MiB/s limit' });
  });
});

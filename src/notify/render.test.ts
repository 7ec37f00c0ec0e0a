/** The renderings: alert text escaped for HTML and Slack, one-line subjects, SNS's subject rules. */
import { describe, expect, it } from 'vitest';
import { HOSTILE_TEXT, sampleDetection } from '../testing/detections.js';
import { discoverUrl, escapeHtml, escapeSlack, renderHtml, renderSlack, renderText, subjectLine } from './render.js';
import { snsSubject } from './sns-channel.js';

describe('render', () => {
  it('escapes the five HTML characters and Slack\'s three', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
    expect(escapeSlack('<!channel> <@U1> <http://x|y> & *b*')).toBe('&lt;!channel&gt; &lt;@U1&gt; &lt;http://x|y&gt; &amp; *b*');
  });

  it('keeps a subject on one line whatever the group holds, and SNS\'s printable ASCII under 100', () => {
    const d = sampleDetection({ group: [{ field: 'srcuser', value: 'root\r\nBcc: victim@example.com\u00e9\u{1F600}' }] });
    expect(subjectLine(d)).not.toMatch(/[\r\n]/);
    expect(snsSubject(d)).toMatch(/^[\x20-\x7e]{1,99}$/);
  });

  it('the HTML has no tag of the alert; the text has the alert as it is; Slack blocks escape the evidence', () => {
    const d = sampleDetection();
    const html = renderHtml(d, 'https://h.example');
    expect(html).not.toMatch(/<(script|img)/);
    expect(html).toContain(escapeHtml(HOSTILE_TEXT));
    expect(renderText(d, 'https://h.example')).toContain(HOSTILE_TEXT);
    const slack = JSON.stringify(renderSlack(d, 'https://h.example'));
    expect(slack).not.toContain('<!channel>');
    expect(slack).not.toContain('<script>');
  });

  it('a code fence in alert text cannot end Slack\'s code block', () => {
    const d = sampleDetection({ evidence: [{ ...sampleDetection().evidence[1]!, text: 'x ``` <!here> ```' }] });
    const block = renderSlack(d, 'https://h.example').blocks[2] as { text: { text: string } };
    expect(block.text.text.startsWith('```')).toBe(true);
    expect(block.text.text.slice(3, -3)).not.toContain('```');
    expect(block.text.text).toContain('&lt;!here&gt;');
  });

  it('the Discover link carries the query and window exactly', () => {
    const d = sampleDetection({ query: 'srcip:"203.0.113.9" AND user:"a&b#c"' });
    const url = new URL(discoverUrl('https://h.example/', d));
    expect(url.pathname).toBe('/discover');
    expect(url.searchParams.get('q')).toBe(d.query);
    expect(url.searchParams.get('from')).toBe(d.window.start);
    expect(url.searchParams.get('to')).toBe(d.window.end);
  });
});

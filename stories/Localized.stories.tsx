/**
 * The studio in Simplified Chinese (zh-CN): the hooks' status texts, error sentences and ETA,
 * and the components' words, all replaced through the provider's `messages` — no component
 * has a literal string.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import {
  KeyframeVideoStudio,
  type KeyframeVideoMessagesInput,
  type KeyframeVideoUiMessages,
} from '../src/index.js';
import { StoryProvider } from './support/StudioPage.js';
import { chooseFrames } from './support/play.js';
import { simulated } from './support/service.js';

/** Only the words this story shows; the rest of `ui` stays English (see `messagesZhCN` for all). */
const ui: Partial<KeyframeVideoUiMessages> = {
  locale: 'zh-CN',
  frameLabel: { first: '首帧', last: '尾帧' },
  optional: '可选',
  chooseImage: '选择图片',
  replaceImage: '更换',
  removeImage: '移除',
  imageKept: '符合所有规则，按原样使用。',
  swapFrames: '交换首帧和尾帧',
  studioLabel: '关键帧视频',
  prompt: '提示词',
  promptHint: '描述首帧到尾帧之间发生的事情。',
  advancedOptions: '高级选项',
  model: '模型',
  resolution: '分辨率',
  generate: '生成',
  cancel: '取消',
  startOver: '重新开始',
  videoLabel: '生成的视频',
  videoPlaceholder: '视频将显示在这里。',
  download: '下载视频',
  downloading: '正在下载…',
};

/** The zh-CN table (a partial one: anything left out stays English). */
const zhCN = {
  status: {
    idle: '准备就绪。添加首帧、尾帧和提示词，然后生成。',
    preparing: '正在准备图片…',
    submitting: '正在发送请求…',
    queued: '排队中…',
    running: '正在生成视频…',
    retrying: '无法连接服务，正在重试…',
    succeeded: '视频已生成。',
    failed: '视频生成失败。',
    canceled: '已取消，未生成任何内容。',
    expired: '该视频已失效，请重新生成。',
    error: '连接多次失败，已停止。请重试。',
  },
  errors: {
    DataInspectionFailed: '内容审核未通过。请修改提示词或更换图片后重试。',
  },
  retryingIn: (seconds: number) => `${Math.round(seconds)} 秒后重试。`,
  etaUnknown: '通常需要 1–5 分钟。',
  etaRemaining: (seconds: number) => `大约还需 ${Math.max(1, Math.round(seconds))} 秒。`,
  etaOverdue: '比平时慢一些，应该很快完成。',
  busy: '正在生成一个视频。请等待或取消。',
  ui,
} satisfies KeyframeVideoMessagesInput;

const meta = {
  title: 'Themes and languages/zh-CN',
  component: KeyframeVideoStudio,
  beforeEach: simulated({ timing: { queueMs: [600_000, 600_000] } }),
  decorators: [
    (Story) => (
      <div lang="zh-CN">
        <StoryProvider messages={zhCN}>
          <Story />
        </StoryProvider>
      </div>
    ),
  ],
} satisfies Meta<typeof KeyframeVideoStudio>;

export default meta;
type Story = StoryObj<typeof meta>;

/** 排队中: frames chosen, prompt typed, queued — every word in Chinese. */
export const Queued: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const form = canvas.getByRole('form', { name: '关键帧视频' });
    await chooseFrames(form);
    await userEvent.type(canvas.getByLabelText('提示词'), '太阳落下，月亮升起。');
    const generate = canvas.getByRole('button', { name: '生成' });
    await waitFor(() => expect(generate).not.toHaveAttribute('aria-disabled', 'true'), {
      timeout: 20_000,
    });
    await userEvent.click(generate);
    await waitFor(() => expect(form).toHaveAttribute('data-state', 'queued'), { timeout: 20_000 });
    await expect(canvas.getAllByText('排队中…').length).toBeGreaterThan(0);
  },
};

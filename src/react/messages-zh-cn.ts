/**
 * Simplified Chinese (`zh-CN`): the whole message table — error sentences for every code,
 * status texts, and the styled components' words. Complete by type (every entry is required)
 * and by test. Use it as is, or spread it and reword a few entries:
 * `<KeyframeVideoProvider messages={messagesZhCN}>`.
 */
import type {
  CostEstimate,
  ErrorMessages,
  FrameChange,
  FrameCheck,
  FrameProblem,
  FrameRules,
  FrameSize,
  PrepareFrameReport,
} from '../core/index.js';
import type { KeyframeVideoMessages } from './messages.js';
import {
  aspectText,
  clockTime,
  type FrameFacts,
  type KeyframeVideoUiMessages,
} from './ui-messages.js';

function zhDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} 秒`;
  return `${Math.round(whole / 60)} 分钟`;
}

function zhFileSize(bytes: number): string {
  const format = (value: number, digits: number) =>
    new Intl.NumberFormat('zh-CN', { maximumFractionDigits: digits }).format(value);
  if (bytes < 1024) return `${format(bytes, 0)} B`;
  if (bytes < 1024 * 1024) return `${format(bytes / 1024, 0)} KB`;
  return `${format(bytes / (1024 * 1024), 1)} MB`;
}

function zhFormats(rules: FrameRules): string {
  const labels = rules.formats.map((rule) => rule.label);
  return labels.length > 1
    ? `${labels.slice(0, -1).join('、')} 或 ${labels.at(-1) ?? ''}`
    : labels.join('');
}

function formatLabel(format: string): string {
  const labels: Readonly<Record<string, string>> = {
    jpeg: 'JPEG',
    png: 'PNG',
    bmp: 'BMP',
    webp: 'WebP',
    gif: 'GIF',
    avif: 'AVIF',
    heic: 'HEIC',
    tiff: 'TIFF',
    svg: 'SVG',
  };
  return labels[format] ?? format.toUpperCase();
}

function zhFrameChange(change: FrameChange, report: PrepareFrameReport): string {
  const { input, output } = report;
  const inSize =
    input.width !== undefined && input.height !== undefined
      ? `${input.width}×${input.height}`
      : '原图';
  switch (change.kind) {
    case 'rotated':
      return `已按 EXIF 方向信息旋转（方向 ${input.orientation}）。`;
    case 'cropped':
      return `已居中裁剪，以适合 ${aspectText(output)} 的画面比例。`;
    case 'resized':
      return `已缩放：${inSize} → ${output.width}×${output.height}。`;
    case 'padded':
      return `已在两侧加边，填充为 ${output.width}×${output.height}。`;
    case 'flattened':
      return '透明部分已铺上背景色。';
    case 'converted':
      return `已由 ${formatLabel(input.format)} 转为 ${formatLabel(output.format)}（${zhFileSize(input.bytes)} → ${zhFileSize(output.bytes)}）。`;
    case 'recompressed':
      return `已重新压缩（${zhFileSize(input.bytes)} → ${zhFileSize(output.bytes)}）。`;
    default:
      return change.message;
  }
}

function zhFrameProblem(problem: FrameProblem, check: FrameCheck, rules: FrameRules): string {
  const size =
    check.width !== undefined && check.height !== undefined
      ? `图片为 ${check.width}×${check.height} 像素`
      : '图片';
  switch (problem.reason) {
    case 'empty':
      return '文件是空的（0 字节），请选择一张图片。';
    case 'unsupported-format':
      return `不支持这种图片格式，请转换为 ${zhFormats(rules)}。`;
    case 'format-mismatch':
      return `文件名或文件类型与实际内容${check.format ? `（${formatLabel(check.format)}）` : ''}不符，请按实际格式重命名或另存。`;
    case 'too-small':
      return `${size}，每边至少需要 ${rules.minSide} 像素，请换一张更大的图片。`;
    case 'too-large':
      return `${size}，每边最多 ${rules.maxSide} 像素，请缩小图片。`;
    case 'file-too-large':
      return `文件大小为 ${zhFileSize(check.bytes)}，上限为 ${zhFileSize(rules.maxBytes)}，请压缩后再试。`;
    case 'alpha':
      return '不支持带透明部分的图片：请铺上背景色，或另存为 JPEG。';
    case 'truncated':
      return '图片文件不完整（可能在复制或上传时被截断），请使用完整的文件。';
    case 'corrupt':
      return '图片文件已损坏，请用图片编辑器打开后重新保存。';
    case 'invalid-data-url':
      return '这个 data URL 不是可用的图片数据，请重新选择图片。';
    default:
      return problem.message;
  }
}

const zhUi: KeyframeVideoUiMessages = Object.freeze({
  locale: 'zh-CN',
  frameLabel: Object.freeze({ first: '首帧', last: '尾帧' }),
  optional: '可选',
  chooseImage: '选择图片',
  dropHint: (rules: FrameRules) =>
    `也可以把图片拖放或粘贴到这里。支持 ${zhFormats(rules)}；每边 ${rules.minSide}–${rules.maxSide} 像素；不超过 ${zhFileSize(rules.maxBytes)}。较大的图片会自动缩小。`,
  dropNow: '松开即可使用这张图片。',
  dropRejected: '不支持这种文件类型。',
  checkingImage: '正在检查图片…',
  replaceImage: '更换',
  removeImage: '移除',
  previewAlt: (label: string) => `${label}预览`,
  frameFacts: ({ width, height, bytes }: FrameFacts) =>
    [
      width !== undefined && height !== undefined ? `${width} × ${height} 像素` : undefined,
      bytes !== undefined ? zhFileSize(bytes) : undefined,
    ]
      .filter(Boolean)
      .join(' · '),
  linkedImage: '图片链接：由服务下载并检查。',
  imageKept: '原样使用：已符合所有要求。',
  imageChanged: '为符合要求做了以下调整：',
  frameChange: zhFrameChange,
  imageProblems: '这张图片无法使用：',
  frameProblem: zhFrameProblem,
  rejectedType: (name: string, rules: FrameRules) =>
    `“${name}”不是可接受的图片，请选择 ${zhFormats(rules)} 文件。`,
  rejectedMany: '一次只能拖放或粘贴一张图片。',
  fileSize: zhFileSize,

  swapFrames: '交换首帧和尾帧',
  pairWarning: (first: FrameSize, last: FrameSize) =>
    `尾帧为 ${last.width} × ${last.height}（${aspectText(last)}），首帧为 ${first.width} × ${first.height}（${aspectText(first)}）。视频采用首帧的画面比例，尾帧会被适配，可能被裁剪。`,
  fitLastFrame: '让尾帧适配首帧',
  fittingLastFrame: '正在适配尾帧…',
  fitFailed: '无法在这里适配尾帧，请自行把它裁剪成首帧的画面比例。',
  templateIgnoresLastFrame: '使用特效模板时只用首帧，尾帧会被忽略。',

  studioLabel: '首尾帧生成视频',
  prompt: '提示词',
  promptHint: '描述从首帧到尾帧之间发生的变化。',
  characterCount: (count: number, max: number) => `${count} / ${max}`,
  advancedOptions: '高级选项',
  negativePrompt: '反向提示词',
  negativePromptHint: '视频中希望避免的内容。',
  seed: '随机种子',
  seedHint: '相同的种子和输入会生成相似的视频。留空则随机。',
  randomSeed: '随机生成种子',
  watermark: '添加“AI 生成”水印',
  promptExtend: '允许服务改写提示词',
  promptExtendHint: '为简短的提示词补充细节，会多花几秒钟。',
  model: '模型',
  resolution: '分辨率',
  defaultOption: (value: string) => `${value}（默认）`,
  template: '特效模板',
  noTemplate: '不使用',
  estimatedCost: (estimate: CostEstimate, locale: string) => {
    const money = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: estimate.currency,
    }).format(estimate.amount);
    return `预计费用：${estimate.approximate ? '约 ' : ''}${money}（${estimate.seconds} 秒，${estimate.resolution}）。`;
  },
  costUnknown: '暂不知道这个选项的价格。',
  generate: '生成',
  cancel: '取消',
  startOver: '重新开始',
  originalPrompt: '你的提示词',
  rewrittenPrompt: '服务改写后的提示词',

  videoLabel: '生成的视频',
  videoPlaceholder: '视频会显示在这里。',
  progressLabel: '进度',
  elapsed: (ms: number) => `已用时 ${clockTime(ms)}`,
  download: '下载视频',
  downloading: '正在下载…',
  downloadOpened: '无法在这里保存副本，已在新标签页中打开视频，请在那里保存。',
  openVideo: '打开视频',
  expiresIn: (ms: number) => {
    const minutes = Math.floor(ms / 60_000);
    if (minutes < 1) return '链接将在 1 分钟内失效，请立即下载视频。';
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    const time = hours > 0 ? `${hours} 小时 ${rest} 分钟` : `${minutes} 分钟`;
    return `链接将在 ${time}后失效，请下载视频以便保存。`;
  },
  linkExpired: '链接已失效，请重新生成视频后观看。',
  retry: '重试',
  retryNow: '立即重试',
  generateAgain: '重新生成',
});

const zhErrors: ErrorMessages = Object.freeze({
  InvalidParameter: '请求中有内容无效，请检查标出的字段后重试。',
  DataInspectionFailed: '内容审核未通过：请修改提示词或更换图片后重试。',
  IPInfringementSuspect: '请求可能涉及知识产权问题，请使用你自己的图片和文字后重试。',
  Arrearage: '视频服务账户余额不足，请联系网站管理员充值。',
  InvalidApiKey: '服务器的视频 API 密钥被拒绝，请联系网站管理员检查密钥。',
  AccessDenied: '视频服务拒绝访问该模型，请联系网站管理员检查账户权限。',
  'AccessDenied.Unpurchased': '账户尚未开通该模型，请联系网站管理员开通，或换一个模型。',
  ModelNotFound: '该模型不存在或在此地域不可用，请换一个模型。',
  RequestTimeOut: '视频服务响应超时，请稍后重试。',
  'BadRequest.TooLarge': '请求过大，请使用更小的图片（每张不超过 10 MB）。',
  'BadRequest.InputDownloadFailed':
    '视频服务无法下载图片，请使用公开可访问的链接，或直接上传文件。',
  'BadRequest.UnsupportedFileFormat':
    '图片格式不受支持，请使用 JPEG、PNG（不带透明部分）、BMP 或 WebP。',
  Throttling: '当前请求过多，稍等片刻会自动重试。',
  'Throttling.RateQuota': '每秒请求过多，稍等片刻会自动重试。',
  'Throttling.AllocationQuota': '账户同时生成的视频已达上限，请等待一个完成后再试。',
  InternalError: '视频服务内部出错，请稍后重试。',
  'InternalError.Algo': '视频模型处理这组输入时失败，请重试，或更换图片或提示词。',
  'InternalError.Timeout': '视频服务内部超时，请稍后重试。',
  ModelUnavailable: '模型暂时不可用，请几分钟后重试。',
  Unauthenticated: '你尚未登录或登录已过期，请登录后重试。',
  Forbidden: '你没有执行此操作的权限，请联系网站管理员。',
  NotFound: '找不到这个视频任务，请重新开始。',
  RelayBodyTooLarge: '图片太大，无法发送。请使用更小的图片；页面可以帮你自动缩小。',
  UnsupportedMediaType: '请求未以 JSON 格式发送。这是应用的缺陷，请反馈。',
  IdempotencyConflict: '这次提交已用不同的内容发送过。请重新开始以生成新视频。',
  RelayRateLimited: '请求过于频繁，稍等片刻会自动重试。',
  UpstreamTimeout: '视频服务未能及时响应，请稍后重试。',
  UpstreamUnreachable: '暂时无法连接视频服务，请稍后重试。',
  UpstreamInvalidResponse: '视频服务返回了无法读取的内容，请重试。',
  NetworkError: '网络连接失败。请检查网络，恢复后会自动重试。',
  Timeout: '请求耗时过长，请重试。',
  Aborted: '请求已取消。',
  InvalidResponse: '服务器返回了无法读取的内容，请稍后重试。',
  TaskExpired: '服务已不再保留这个视频任务（任务和链接只保留 24 小时），请重新开始。',
  TaskFailed: '视频生成失败。请更换图片或提示词后重试。',
  CancelRefused: '任务已在运行，服务无法取消；它会继续完成并计费。',
  PollBudgetExceeded: '长时间没有结果，已停止查询任务。如需继续等待，请再次查询。',
  FrameRejected: '有图片不符合要求，请更换后重试。',
  Unknown: '出了点问题，请重试。',
});

/** The Simplified Chinese table, complete: pass it to `KeyframeVideoProvider`'s `messages`. */
export const messagesZhCN: KeyframeVideoMessages = Object.freeze({
  errors: zhErrors,
  status: Object.freeze({
    idle: '准备就绪。请添加首尾帧和提示词，然后生成。',
    preparing: '正在准备图片…',
    submitting: '正在发送请求…',
    queued: '正在排队…',
    running: '正在生成视频…',
    retrying: '无法连接服务，正在重试…',
    succeeded: '视频已生成。',
    failed: '视频生成失败。',
    canceled: '已取消，未生成任何内容。',
    expired: '这个视频已失效，请重新生成。',
    error: '多次连接失败，已停止。请重试。',
  }),
  retryingIn: (seconds: number) => `${zhDuration(seconds)}后重试。`,
  etaUnknown: '通常需要 1–5 分钟。',
  etaRemaining: (seconds: number) => `大约还需 ${zhDuration(seconds)}。`,
  etaOverdue: '比平时慢一些，应该很快就会完成。',
  busy: '已有视频正在生成。请等待完成，或取消它。',
  ui: zhUi,
});

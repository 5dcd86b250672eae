/**
 * Strings of the researcher's catalog: availability derived from the stock,
 * query understanding, zero results, compare, citation and the phone layout.
 */
import { defineMessages } from '../define.ts';

export const researcher = defineMessages({
  en: {
    'availability.in_qc': 'In quality control',
    'availability.on_request': 'On request (no vials in stock)',
    'availability.not_distributed': 'Not distributed',
    'availabilityNote.available': '{count} vials of released batches can be requested now.',
    'availabilityNote.in_qc': 'Vials exist but their batch is still being tested; they cannot be requested until it is released.',
    'availabilityNote.expand_to_order': 'No vials in stock: the bank grows a new batch for your order, which takes several weeks.',
    'availabilityNote.on_request': 'The bank holds no vials of this line. Ask, and the bank will tell you whether and when it can supply it.',
    'availabilityNote.restricted': 'Access is restricted: the provider decides on each application.',
    'availabilityNote.not_distributed': 'This line is not distributed by the bank.',
    'request.request': 'Request this line',
    'request.order': 'Order (expanded for you)',
    'request.enquire': 'Ask about this line',
    'batch.notReleased': 'None: the batch is not released ({status})',
  },
  zh: {
    'availability.in_qc': '质检中',
    'availability.on_request': '可申请（暂无库存）',
    'availability.not_distributed': '不对外提供',
    'availabilityNote.available': '已放行批次共有 {count} 支冻存管，现在即可申请。',
    'availabilityNote.in_qc': '有冻存管，但所在批次仍在检测中；放行之前不能申请。',
    'availabilityNote.expand_to_order': '暂无库存：本库将为您的订单扩增新批次，需要数周。',
    'availabilityNote.on_request': '本库没有该细胞系的冻存管。提出申请后，本库会告知能否以及何时提供。',
    'availabilityNote.restricted': '限制供应：由提供方逐一审批申请。',
    'availabilityNote.not_distributed': '本库不对外提供该细胞系。',
    'request.request': '申请此细胞系',
    'request.order': '订购（为您扩增）',
    'request.enquire': '咨询此细胞系',
    'batch.notReleased': '无：该批次尚未放行（{status}）',
  },
});

// Chinese labels for the API's codes.
export const STATUS = {
  draft: "待提交",
  submitted: "已提交",
  forwarded: "已转献血地审核",
  under_review: "审核中",
  needs_more_info: "待补充材料",
  awaiting_second_review: "待复核",
  approved: "审核通过",
  payee_correction: "待更正收款账户",
  payment_failed: "转账未成功",
  needs_attention: "复核处理中",
  paid: "已支付",
  rejected: "未通过",
  withdrawn: "已撤回",
};
export const STATUS_TONE = {
  draft: "grey", submitted: "blue", forwarded: "blue", under_review: "blue", needs_more_info: "orange",
  awaiting_second_review: "blue", approved: "green", payee_correction: "orange", payment_failed: "orange",
  needs_attention: "blue", paid: "green",
  rejected: "red", withdrawn: "grey",
};
export const STATUS_HINT = {
  draft: "材料上传齐全后提交申请",
  submitted: "已提交，等待献血地血站审核（10个工作日内）",
  forwarded: "献血地在外省：申请已转至献血地省份平台审核，由其支付",
  under_review: "工作人员正在审核您的材料",
  needs_more_info: "请按审核意见补充材料后重新提交",
  awaiting_second_review: "金额较大，正在复核",
  approved: "审核通过，减免费用将在10个工作日内转入您的银行卡",
  payee_correction: "转账被退回，请更正收款账户",
  payment_failed: "银行未能完成转账，请核对并更正收款账户",
  needs_attention: "审核通过后额度确认遇到问题，复核人员正在处理，暂不转账",
  paid: "减免费用已转入您的银行卡",
  rejected: "申请未通过，请查看说明",
  withdrawn: "您已撤回该申请",
};

export const DOC_KINDS = {
  donor_id_front: "献血者身份证（人像面）",
  donor_id_back: "献血者身份证（国徽面）",
  beneficiary_id_front: "用血者身份证（人像面）",
  beneficiary_id_back: "用血者身份证（国徽面）",
  other_donor_ids: "其他献血者身份证（每人正反面）",
  kinship_proof: "亲属关系证明（户口本、结婚证、出生证明等）",
  kinship_pledge: "亲属关系承诺书（签字）",
  fee_list: "用血费用清单（明细单）",
  invoice: "医疗收费票据（发票）",
  bank_card: "银行卡（选传）",
  death_proof: "献血者已故证明",
  agent_id: "代办人身份证明",
};

export const RELATIONSHIPS = {
  self: "本人", spouse: "配偶", parent: "父母", child: "子女", sibling: "兄弟姐妹",
  grandparent: "祖父母、外祖父母", spouse_parent: "配偶的父母", child_spouse: "子女的配偶",
  adoptive_parent: "养父母", adoptive_child: "养子女", step_parent: "继父母", step_child: "继子女",
};

export const PRODUCTS = {
  whole_blood: { name: "全血", unit: "袋(200 mL)" },
  red_cells: { name: "悬浮红细胞", unit: "U" },
  washed_red_cells: { name: "洗涤红细胞", unit: "U" },
  plasma: { name: "冰冻血浆", unit: "袋(100 mL)" },
  cryoprecipitate: { name: "冷沉淀", unit: "U" },
  platelets_apheresis: { name: "机采血小板", unit: "治疗量" },
};

export const HONOURS = {
  bronze: { name: "全国无偿献血奉献奖铜奖", short: "铜奖", threshold: 20 },
  silver: { name: "全国无偿献血奉献奖银奖", short: "银奖", threshold: 30 },
  gold: { name: "全国无偿献血奉献奖金奖", short: "金奖", threshold: 40 },
};

export const PROVINCES = {
  "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
  "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
  "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
  "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
  "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
  "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
  "65": "新疆维吾尔自治区",
};

export const DONATION_KINDS = { whole_blood: "全血", platelet_apheresis: "机采血小板" };

export const METHODS = { onsite: "现场报销", mail: "邮寄报销" };
export const STATION_KINDS = { blood_station: "血站", donation_office: "报销机构" };

export const ACTOR_KINDS = { donor: "申请人", staff: "工作人员", system: "系统", hospital: "医院" };

/**
 * The words of the demo history: Kunming street and compound names, a description template per
 * category, and what departments, verifiers and callers say. Placeholders in braces are filled by
 * `fill` from the PRNG, so every case reads like a real report and the same seed gives the same text.
 */
import type { Rng } from './prng.js';

export const ROADS = [
  '滇池路', '西昌路', '人民西路', '前兴路', '广福路', '日新路', '盘江西路', '春雨路', '红锦路', '昌源中路', '海埂路', '福海路', '兴苑路',
  '西园路', '金碧路', '东风西路', '永昌路', '西坝路', '丹霞路', '马街中路', '碧鸡路', '书林街', '南屏街', '正义路', '北京路', '青年路',
  '白塔路', '穿金路', '彩云北路', '环城南路', '新闻路', '二环西路', '益宁路', '怡景路', '眠山路', '棕树营路',
] as const;

export const COMPOUNDS = [
  '滇池卫城', '怡景园', '金碧苑', '马街小区', '前卫小区', '福德小区', '银海畅园', '西华园', '棕树营小区', '广福小区', '海埂花园', '春城花园',
  '兴苑小区', '白马小区', '船房小区', '日新园', '碧鸡小区', '润城', '万达广场公寓', '书林苑', '西坝新村', '永昌小区',
] as const;

// Plain place nouns: templates add the position (旁、门口、附近).
export const PLACES = ['马街菜市场', '前卫菜场', '西坝菜市场', '大观公园东门', '西山公园停车场', '滇池会展中心', '昆明西站出站口', '西苑立交桥', '红联小学', '社区卫生服务站', '公交站台', '地铁站C出口'] as const;

const DIRS = ['东北角', '西南侧', '东侧', '北侧', '路口南侧', '辅道上', '人行道上'] as const;
const SHOPS = ['烧烤店', '水果店', '早点铺', '五金店', '快餐店', '便利店', '修车铺'] as const;
const TIMES = ['每天晚上10点以后', '凌晨', '周末早上7点前', '每天中午', '连续三天'] as const;

export interface Template {
  text: string;
  title?: string;
}

/** Report texts by minor category code. */
export const DESCRIPTIONS: Record<string, readonly string[]> = {
  'CITY.EXPOSED_WASTE': ['{road}与{road2}交叉口{dir}有生活垃圾堆放，约{n5}平方米，气味很大', '{compound}{bldg}栋后面空地堆了很多建筑垃圾，约{n5}平方米，一直没人清运', '{place}旁边垃圾暴露堆放，已经有几天了'],
  'CITY.MATERIAL_PILE': ['{road}{dir}有施工方把砂石、砖块堆在人行道上，约{n5}平方米，行人只能走机动车道', '{compound}门口乱堆建材和废旧家具，占用消防通道'],
  'CITY.STREET_VENDING': ['{road}{place}门口流动摊贩占道经营，{times}最严重', '{road}与{road2}路口{shop}把桌椅摆到人行道上经营', '{place}周边占道卖菜，早高峰堵塞通行'],
  'CITY.ILLEGAL_POSTING': ['{compound}{bldg}栋楼道和单元门上贴满小广告', '{road}沿线电线杆、配电箱上乱张贴办证广告'],
  'CITY.OUTDOOR_ADS': ['{road}{shop}门头广告牌破损松动，大风天有坠落危险', '{road}{dir}新装了一块大型广告牌，怀疑未经审批'],
  'CITY.ILLEGAL_BUILDING': ['{compound}{bldg}栋顶楼住户正在加盖彩钢瓦房', '{compound}一楼住户私自扩建院子、侵占公共绿地'],
  'SANITATION.BIN_OVERFLOW': ['{road}{place}旁的垃圾桶满溢，垃圾散落一地', '{compound}{bldg}栋楼下垃圾桶满了两天没有清运'],
  'SANITATION.STREET_DIRTY': ['{road}{dir}路面油污、泥浆很多，车辆经过尘土飞扬', '{road}施工车辆带泥上路，路面很脏'],
  'SANITATION.PUBLIC_TOILET': ['{place}公厕没有水，卫生很差', '{road}公共厕所门锁坏了，晚上无法使用'],
  'SANITATION.DEAD_ANIMAL': ['{road}{dir}路边有一只死狗，请尽快处理', '{compound}绿化带里有动物尸体，气味很大'],
  'ROADS.POTHOLE': ['{road}与{road2}交叉口{dir}路面有一个大坑，约{n2}平方米，电动车容易摔倒', '{road}慢车道路面塌陷，已有车辆爆胎'],
  'ROADS.MANHOLE': ['{road}{place}附近井盖缺失，只用一个锥桶挡着，非常危险', '{road}人行道上的井盖破损下陷'],
  'ROADS.STREETLIGHT': ['{road}从{road2}路口往北一段路灯不亮，晚上很黑', '{compound}门口的{n1}盏路灯坏了一个多星期'],
  'ROADS.SIDEWALK': ['{road}{dir}人行道地砖松动翘起，约{n2}平方米，老人容易绊倒', '{road}盲道被破坏，多处缺失'],
  'ROADS.WATERLOGGING': ['{road}{place}下雨后积水严重，水深没过脚踝', '{road}与{road2}路口雨水井堵塞，路面积水'],
  'TRAFFIC.SIGNAL': ['{road}与{road2}交叉口红绿灯不亮，车辆乱行', '{road}{place}人行横道信号灯一直是红灯'],
  'TRAFFIC.ILLEGAL_PARKING': ['{compound}门口车辆乱停，堵住了消防通道', '{road}{place}附近车辆长期占用人行道停放'],
  'TRAFFIC.SHARED_BIKES': ['{place}共享单车堆积，占满人行道', '{road}地铁口共享单车乱停放，行人无法通行'],
  'TRAFFIC.SIGNS': ['{road}与{road2}路口限速标志被撞倒', '{road}{dir}交通标线模糊，夜间看不清'],
  'SAFETY.FIRE_EXIT': ['{compound}{bldg}栋楼道堆满杂物，消防通道被堵', '{road}{shop}后门消防通道被锁死'],
  'SAFETY.GAS': ['{compound}{bldg}栋单元门口闻到很浓的燃气味', '{road}{shop}违规使用液化气罐，放在人行道上'],
  'SAFETY.ELECTRIC': ['{compound}{bldg}栋有住户从楼上私拉电线给电动车充电', '{road}{place}电线私拉乱接，挂得很低'],
  'SAFETY.DANGEROUS_BUILDING': ['{compound}{bldg}栋外墙出现裂缝，墙皮脱落', '{road}{dir}老房子屋檐瓦片松动，下面是人行道'],
  'ORDER.NOISE': ['{compound}{bldg}栋住户{times}装修，噪音很大', '{road}{shop}{times}放音乐、吵闹，影响休息', '{place}广场舞音响声音太大，{times}'],
  'ORDER.GATHERING': ['{place}有人聚集喝酒吵闹', '{road}{shop}门口有人聚集争吵'],
  'ORDER.SUSPICIOUS': ['{compound}最近经常有陌生人挨家挨户推销，形迹可疑', '{place}附近有人长期徘徊，居民担心安全'],
  'DISPUTE.NEIGHBOUR': ['{compound}{bldg}栋楼上楼下因为噪音发生矛盾，多次争吵', '{compound}邻居在公共走道堆放杂物引发纠纷'],
  'DISPUTE.FAMILY': ['{compound}{bldg}栋一户人家因赡养老人问题发生争吵，需要调解', '家庭成员之间因房产分配产生纠纷，请求社区调解'],
  'DISPUTE.LEAK': ['{compound}{bldg}栋楼上卫生间漏水到楼下，协商不成', '楼上住户水管漏水，楼下天花板发霉，双方有矛盾'],
  'PROPERTY.SERVICE': ['{compound}物业不清扫楼道，绿化也没人管', '{compound}小区门禁坏了一个月物业不修'],
  'PROPERTY.ELEVATOR': ['{compound}{bldg}栋电梯经常停运，老人上下楼困难', '{compound}{bldg}栋电梯困人，物业处理慢'],
  'PROPERTY.FEES': ['{compound}物业费上涨没有公示', '{compound}物业收取停车费标准不清'],
  'POLICE.MUNICIPAL': ['110转来：{road}{dir}井盖缺失，有行人险些跌落', '110转来：{road}路灯杆倾斜，存在倒塌风险', '110转来：{road}{place}有树木倒伏压住道路'],
  'POLICE.LIVELIHOOD': ['110转来：{compound}{bldg}栋独居老人家中停水停电，请求帮助', '110转来：{compound}有住户被锁在门外，家中有小孩'],
  'CONSULT.POLICY': ['咨询老旧小区改造的申请条件和流程', '咨询新生儿医保办理需要哪些材料', '咨询电动车上牌的政策'],
  'CONSULT.SERVICE': ['咨询居住证在哪里办理、需要多久', '咨询社区养老服务站的开放时间', '咨询不动产登记的预约方式'],
};

export const HANDLED: Record<string, readonly string[]> = {
  CITY: ['已安排环卫人员清运完毕，现场已恢复整洁', '已责令当事人当天清理，执法队员现场复查已整改', '已约谈商户并现场规范经营，已整改'],
  SANITATION: ['已安排环卫车辆清运，并加密该点位收运频次', '已冲洗路面，现场已清洁', '已维修并恢复使用'],
  ROADS: ['已组织养护单位修补路面，已恢复通行', '已更换井盖并加装防坠网', '已更换灯具，路灯恢复正常'],
  TRAFFIC: ['已通知交警及维护单位修复信号设施', '已清理违停车辆并张贴告知书', '已联系运营企业清运车辆'],
  SAFETY: ['已现场排查隐患并督促整改，已清理杂物', '已联系燃气公司上门检查，已消除隐患', '已拆除私拉电线，并开展用电安全宣传'],
  ORDER: ['已联系派出所民警到场劝导，现已恢复正常', '已对装修户进行劝导，约定施工时间', '已加强巡逻'],
  DISPUTE: ['社区调解员已组织双方调解，达成一致意见', '已组织双方协商，签订调解协议', '已联系物业和双方住户现场协调处理'],
  PROPERTY: ['已督促物业公司整改，已恢复正常', '已组织物业公示收费标准并答复业主', '已联系维保单位维修电梯并完成检测'],
  POLICE: ['已会同相关单位现场处置完毕', '社区工作人员已上门协助解决'],
  CONSULT: ['已电话答复群众咨询事项，群众表示清楚', '已告知办理地点、所需材料和预约方式'],
};

export const REJECT_REASONS = ['不属于本平台受理范围，已告知群众向相关单位反映', '重复上报，该问题已在办理中', '反映内容不具体，无法核实，已电话联系未接通', '经核实问题不存在'] as const;
export const RETURN_REASONS = ['该路段不属于本单位管养范围，请重新派遣', '该事项属于物业管理范畴，非本单位职责', '地址有误，请核实后重新派遣'] as const;
export const EXTENSION_REASONS = ['需协调施工单位进场，材料采购需要时间', '涉及多个产权单位，需要联合现场会商', '连续降雨无法施工'] as const;
export const SUSPEND_REASONS = ['等待产权单位出具意见', '天气原因暂停施工', '当事人外出，无法上门处理'] as const;
export const ESCALATE_REASONS = ['涉及多个部门，街道协调不了，请区级中心协调', '问题反复出现，需要区级层面统筹解决'] as const;
export const VERIFY_FAIL = ['现场复核，问题未彻底解决', '核查发现仍有部分垃圾未清理', '整改不到位，群众仍有意见'] as const;
export const VERIFY_PASS = ['现场核查，已处理完毕', '已拍照核实，问题已解决', '与群众一同现场确认'] as const;
export const DISSATISFIED = ['处理不及时，问题还是老样子', '只处理了表面，没有根本解决', '处理结果我不认可'] as const;
export const SATISFIED = ['处理很及时，感谢', '问题解决了，满意', '工作人员态度很好'] as const;
export const BASIC = ['基本解决了，希望后续加强管理', '处理得还可以，就是有点慢'] as const;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '罗', '高', '段'] as const;

export function personName(r: Rng): string {
  return `${r.pick(SURNAMES)}${r.pick(['先生', '女士', '师傅', '阿姨'])}`;
}

export function phone(r: Rng): string {
  return `1${r.pick(['39', '38', '37', '58', '59', '87', '88', '36'])}${String(r.int(0, 99_999_999)).padStart(8, '0')}`;
}

/** A description of a category, placeholders filled. */
export function describe(code: string, r: Rng): string {
  const ts = DESCRIPTIONS[code] ?? ['{road}{dir}有问题需要处理'];
  return fill(r.pick(ts), r);
}

export function fill(t: string, r: Rng): string {
  const road = r.pick(ROADS);
  let road2 = r.pick(ROADS);
  if (road2 === road) road2 = ROADS[(ROADS.indexOf(road) + 1) % ROADS.length]!;
  return t
    .replaceAll('{road2}', road2)
    .replaceAll('{road}', road)
    .replaceAll('{compound}', r.pick(COMPOUNDS))
    .replaceAll('{place}', r.pick(PLACES))
    .replaceAll('{dir}', r.pick(DIRS))
    .replaceAll('{shop}', r.pick(SHOPS))
    .replaceAll('{times}', r.pick(TIMES))
    .replaceAll('{bldg}', String(r.int(1, 32)))
    .replaceAll('{n5}', String(r.int(2, 30)))
    .replaceAll('{n2}', String(r.int(1, 6)))
    .replaceAll('{n1}', String(r.int(2, 5)));
}

/** An address line for reports that give no point (hotline callers who only say where). */
export function address(r: Rng, district: string): string {
  return fill(`昆明市${district}{road}{n1}{n2}号附近`, r).replace(/(\d)(\d)号/, '$1$2号');
}

// Every string the field app shows, in Vietnamese (the default) and English (on the switch in
// the header). t("key", {name: value}) fills {name}; the choice is kept on the phone, and API
// calls ask the server for the same language (its problem titles follow).
const STRINGS = {
  vi: {
    lang_switch: "EN", lang_switch_title: "Switch to English",
    online: "Trực tuyến", offline: "Ngoại tuyến", waiting_suffix: "chờ gửi", send_now_title: "Gửi ngay",
    opening: "Đang mở…", update: "Có phiên bản mới — tải lại", never: "chưa bao giờ",
    no_gps: "Chưa có GPS", gps: "GPS ±{m} m",
    toast_offline: "Chưa có mạng: dữ liệu vẫn nằm an toàn trong máy.",
    toast_problems: "{n} mục cần xem lại (Hộp thư đi).", toast_sent: "Đã gửi {n} mục.",
    toast_question: "Công an hỏi thêm về vụ việc: xem Thông báo.",
    toast_saved: "Đã lưu, sẽ gửi khi có mạng.", no_network: "Chưa có mạng.",
    login_title: "Đăng nhập",
    login_hint: "Đăng nhập một lần khi có mạng; sau đó ứng dụng chạy cả khi mất mạng.",
    phone: "Số điện thoại", password: "Mật khẩu", sign_in: "Đăng nhập", sign_in_failed: "Không đăng nhập được",
    no_team: "Chưa có tổ", houses_refreshed: "{n} nhà trọ · cập nhật lúc",
    problems_link: "{n} mục bị từ chối hoặc xung đột: xem và sửa",
    patrol_continue: "Tiếp tục tuần tra", patrol_start: "Bắt đầu tuần tra", scans_n: "{n} lần quét",
    patrol_hint: "Quét mã QR từng nhà", incident_tile: "Báo vụ việc", incident_hint: "dưới 1 phút",
    awareness_tile: "Buổi tuyên truyền", awareness_hint: "ghi lại buổi nói chuyện",
    outbox_tile: "Hộp thư đi", waiting_n: "{n} chờ gửi", feed_tile: "Thông báo",
    feed_hint: "câu hỏi, trạng thái", sync_tile: "Gửi & cập nhật", sync_hint: "khi có mạng",
    signed_in_as: "Đăng nhập: {name}", sign_out: "Đăng xuất", sign_out_confirm: "Đăng xuất?",
    sign_out_waiting: " {n} mục chưa gửi sẽ chờ bạn đăng nhập lại.",
    patrol_title: "Tuần tra", patrol_no_team: "Chưa có dữ liệu tổ: cần mạng để cập nhật lần đầu.",
    patrol_note: "Ghi chú chung (không bắt buộc)", patrol_note_ph: "VD: Tuần tra khu A",
    patrol_started: "Tuần tra bắt đầu {at}", patrol_active: "Đang tuần tra", started_at: "Bắt đầu {at}",
    scans_word: "lần quét", track: "Lộ trình:", points: "điểm", track_label: "Lộ trình {n} điểm",
    scan_camera: "Quét mã QR bằng camera", camera_off: "Tắt camera", token_label: "Hoặc nhập mã trên tem",
    house_note: "Ghi chú về nhà này (không bắt buộc)", house_note_ph: "VD: có người lạ mới đến",
    record_scan: "Ghi nhận", scanned: "Đã quét", end_patrol: "Kết thúc tuần tra",
    end_confirm: "Kết thúc tuần tra?", scan_label: "Quét điểm kiểm tra {at}",
    scan_recorded: "Đã ghi nhận lần quét thứ {n}", camera_failed: "Không mở được camera: {err}. Hãy nhập mã.",
    end_label: "Kết thúc tuần tra {at}", ended: "Đã kết thúc: {n} lần quét",
    sev_1: "1 · Nguy hiểm", sev_2: "2 · Gấp", sev_3: "3 · Thường", sev_4: "4 · Ghi nhận",
    role_victim: "Nạn nhân", role_suspect: "Nghi phạm", role_witness: "Nhân chứng", role_other: "Khác",
    p_name: "Họ tên (nếu biết)", p_age: "Tuổi", p_desc: "Mô tả",
    fix_title: "Sửa báo cáo", incident_title: "Báo vụ việc",
    server_draft: "Bản nháp đã lưu trên máy chủ: không sửa được nữa, chỉ cần bấm Gửi.",
    category: "Loại vụ việc", choose: "— Chọn —", subtype: "Chi tiết", severity: "Mức độ",
    severity_hint: "1 nguy hiểm đến tính mạng · 4 để ghi nhận", what: "Chuyện gì xảy ra?", when: "Lúc nào?",
    where: "Ở đâu?", no_house: "— Không ở nhà trọ trong danh sách —", use_gps: "Dùng vị trí GPS",
    no_position: "Chưa lấy vị trí", position: "Vị trí: {lat}, {lon}", place_ph: "Mô tả nơi xảy ra (không bắt buộc)",
    enterprise: "Doanh nghiệp", choose_enterprise: "— Chọn doanh nghiệp —",
    no_enterprises: "Chưa có danh sách doanh nghiệp: hãy mở ứng dụng khi có mạng để cập nhật.",
    workers_involved: "Số công nhân liên quan", labour_start: "Bắt đầu từ", persons: "Người liên quan",
    add_person: "+ Thêm người", protect: "Bảo vệ danh tính người báo tin", photos: "Ảnh",
    save_draft: "Lưu nháp", send: "Gửi", photo_unreadable: "Không đọc được ảnh {name}",
    need_category: "Cần chọn loại vụ việc và ghi nội dung.", incident_label: "Vụ việc: {text}",
    draft_label: "Nháp: {text}", submit_label: "Gửi vụ việc: {text}", photo_label: "Ảnh {name}",
    draft_server: "Đã lưu nháp, sẽ gửi lên máy chủ dưới dạng nháp.", draft_local: "Đã lưu nháp trong máy.",
    awareness_title: "Buổi tuyên truyền", held_at: "Thời gian", duration: "Thời lượng (phút)",
    place: "Địa điểm", place_example: "VD: sân nhà trọ Hòa Bình", topics: "Chủ đề", workers: "Công nhân",
    landlords: "Chủ trọ", summary: "Tóm tắt", save: "Lưu", need_topic: "Chọn ít nhất một chủ đề.",
    awareness_label: "Tuyên truyền: {place}",
    outbox_title: "Hộp thư đi", outbox_line: "mục chờ gửi · lần gửi cuối {at}", send_button: "Gửi ngay",
    review: "Cần xem lại ({n})", st_waiting: "Chờ gửi", st_rejected: "Bị từ chối", st_conflict: "Xung đột",
    fix: "Sửa", retry: "Thử lại", discard: "Bỏ", drafts: "Bản nháp", no_text: "(chưa có nội dung)",
    delete_draft: "Xoá nháp", waiting_title: "Đang chờ",
    other_account: "của tài khoản khác: đăng nhập bằng tài khoản đó để gửi",
    discard_confirm: "Bỏ mục này? Không lấy lại được.", delete_draft_confirm: "Xoá bản nháp?",
    feed_title: "Thông báo", feed_live: "Trực tiếp: thông báo mới hiện ngay", feed_at: "Cập nhật lúc {at}",
    reload: "Tải lại", feed_empty: "Chưa có thông báo.",
    "type:incident.question": "Câu hỏi về vụ việc", "type:incident.status_changed": "Vụ việc đổi trạng thái",
    "type:incident.escalated": "Vụ việc đã chuyển lên", "type:patrol.missed": "Lịch tuần tra bị bỏ lỡ",
    "type:notification.test": "Thông báo thử",
    "status:submitted": "đã gửi", "status:triaged": "đã tiếp nhận", "status:escalated": "đã chuyển công an",
    "status:acknowledged": "công an đã nhận", "status:in_progress": "đang xử lý",
    "status:resolved": "đã giải quyết", "status:closed": "đã đóng", "status:rejected": "bị từ chối",
    "status:duplicate": "trùng", "status:reopened": "mở lại",
  },
  en: {
    lang_switch: "VI", lang_switch_title: "Chuyển sang tiếng Việt",
    online: "Online", offline: "Offline", waiting_suffix: "waiting", send_now_title: "Send now",
    opening: "Opening…", update: "New version — reload", never: "never",
    no_gps: "No GPS yet", gps: "GPS ±{m} m",
    toast_offline: "No network: everything is kept safe on the phone.",
    toast_problems: "{n} items need a look (Outbox).", toast_sent: "Sent {n} items.",
    toast_question: "The police asked about a report: see Notifications.",
    toast_saved: "Saved; it goes when there is network.", no_network: "No network.",
    login_title: "Sign in",
    login_hint: "Sign in once while online; after that the app works with no network.",
    phone: "Phone number", password: "Password", sign_in: "Sign in", sign_in_failed: "Could not sign in",
    no_team: "No team yet", houses_refreshed: "{n} boarding houses · refreshed",
    problems_link: "{n} items refused or in conflict: review and fix",
    patrol_continue: "Continue patrol", patrol_start: "Start patrol", scans_n: "{n} scans",
    patrol_hint: "Scan each house's QR", incident_tile: "Report incident", incident_hint: "under a minute",
    awareness_tile: "Awareness session", awareness_hint: "log a talk",
    outbox_tile: "Outbox", waiting_n: "{n} waiting", feed_tile: "Notifications",
    feed_hint: "questions, status", sync_tile: "Send & refresh", sync_hint: "when online",
    signed_in_as: "Signed in: {name}", sign_out: "Sign out", sign_out_confirm: "Sign out?",
    sign_out_waiting: " {n} unsent items will wait until you sign in again.",
    patrol_title: "Patrol", patrol_no_team: "No team data yet: the first refresh needs network.",
    patrol_note: "General note (optional)", patrol_note_ph: "e.g. Patrol of area A",
    patrol_started: "Patrol started {at}", patrol_active: "On patrol", started_at: "Started {at}",
    scans_word: "scans", track: "Track:", points: "points", track_label: "Track of {n} points",
    scan_camera: "Scan QR with the camera", camera_off: "Camera off", token_label: "Or type the code on the sticker",
    house_note: "Note about this house (optional)", house_note_ph: "e.g. strangers just arrived",
    record_scan: "Record", scanned: "Scanned", end_patrol: "End patrol",
    end_confirm: "End the patrol?", scan_label: "Checkpoint scan {at}",
    scan_recorded: "Scan {n} recorded", camera_failed: "Could not open the camera: {err}. Type the code.",
    end_label: "Patrol ended {at}", ended: "Ended: {n} scans",
    sev_1: "1 · Danger", sev_2: "2 · Urgent", sev_3: "3 · Normal", sev_4: "4 · For the record",
    role_victim: "Victim", role_suspect: "Suspect", role_witness: "Witness", role_other: "Other",
    p_name: "Full name (if known)", p_age: "Age", p_desc: "Description",
    fix_title: "Fix the report", incident_title: "Report an incident",
    server_draft: "This draft is stored on the server: it cannot change any more; just tap Send.",
    category: "Category", choose: "— Choose —", subtype: "Details", severity: "Severity",
    severity_hint: "1 life at risk · 4 for the record", what: "What happened?", when: "When?",
    where: "Where?", no_house: "— Not a house on the list —", use_gps: "Use GPS position",
    no_position: "No position yet", position: "Position: {lat}, {lon}", place_ph: "Describe the place (optional)",
    enterprise: "Enterprise", choose_enterprise: "— Choose the enterprise —",
    no_enterprises: "No list of enterprises yet: open the app while online to refresh.",
    workers_involved: "Workers involved", labour_start: "Started", persons: "People involved",
    add_person: "+ Add a person", protect: "Protect the reporter's identity", photos: "Photos",
    save_draft: "Save draft", send: "Send", photo_unreadable: "Could not read photo {name}",
    need_category: "Choose a category and describe what happened.", incident_label: "Incident: {text}",
    draft_label: "Draft: {text}", submit_label: "Submit incident: {text}", photo_label: "Photo {name}",
    draft_server: "Draft saved; it goes to the server as a draft.", draft_local: "Draft saved on the phone.",
    awareness_title: "Awareness session", held_at: "Date and time", duration: "Length (minutes)",
    place: "Place", place_example: "e.g. yard of Hòa Bình boarding house", topics: "Topics", workers: "Workers",
    landlords: "Landlords", summary: "Summary", save: "Save", need_topic: "Choose at least one topic.",
    awareness_label: "Awareness: {place}",
    outbox_title: "Outbox", outbox_line: "items waiting · last upload {at}", send_button: "Send now",
    review: "Needs a look ({n})", st_waiting: "Waiting", st_rejected: "Refused", st_conflict: "Conflict",
    fix: "Fix", retry: "Retry", discard: "Discard", drafts: "Drafts", no_text: "(no text yet)",
    delete_draft: "Delete draft", waiting_title: "Waiting",
    other_account: "another account's: sign in with that account to send",
    discard_confirm: "Discard this item? It cannot be recovered.", delete_draft_confirm: "Delete the draft?",
    feed_title: "Notifications", feed_live: "Live: new notifications appear at once", feed_at: "Refreshed {at}",
    reload: "Refresh", feed_empty: "No notifications yet.",
    "type:incident.question": "Question about a report", "type:incident.status_changed": "Report status changed",
    "type:incident.escalated": "Report escalated", "type:patrol.missed": "Patrol missed",
    "type:notification.test": "Test notification",
    "status:submitted": "submitted", "status:triaged": "triaged", "status:escalated": "sent to the police",
    "status:acknowledged": "police acknowledged", "status:in_progress": "in progress",
    "status:resolved": "resolved", "status:closed": "closed", "status:rejected": "rejected",
    "status:duplicate": "duplicate", "status:reopened": "reopened",
  },
};

const KEY = "ttq-field-lang"; // localStorage: read before anything renders, no await needed

export function lang() {
  const chosen = localStorage.getItem(KEY);
  return chosen === "en" ? "en" : "vi";
}

export function setLang(value) {
  localStorage.setItem(KEY, value === "en" ? "en" : "vi");
  document.documentElement.lang = lang();
}

export function t(key, vars = {}) {
  const text = STRINGS[lang()][key] ?? STRINGS.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

// A taxonomy row's name (categories, topics carry name_vi and name_en).
export const named = (row) => (lang() === "en" && row.name_en) || row.name_vi || row.code;

export const locale = () => (lang() === "en" ? "en-GB" : "vi-VN");

// Elements of the static shell marked data-i18n="key" (and data-i18n-title).
export function translateShell(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

export const STRING_KEYS = Object.keys(STRINGS.vi);
export const ENGLISH_KEYS = Object.keys(STRINGS.en);

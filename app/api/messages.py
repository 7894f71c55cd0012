"""Vietnamese wording for marshmallow's validation messages.

marshmallow has no translation hook, so its default messages are replaced once, at
import; the field names in ``details`` stay as the API spells them.
"""
from marshmallow import Schema, fields, validate

FIELD_MESSAGES = {
    fields.Field: {"required": "Bắt buộc phải có.", "null": "Không được để trống.",
                   "validator_failed": "Giá trị không hợp lệ."},
    fields.String: {"invalid": "Phải là chuỗi ký tự."},
    fields.Integer: {"invalid": "Phải là số nguyên."},
    fields.Number: {"invalid": "Phải là số.", "too_large": "Số quá lớn."},
    fields.Decimal: {"invalid": "Phải là số.", "special": "Phải là số hữu hạn."},
    fields.Float: {"invalid": "Phải là số.", "special": "Phải là số hữu hạn."},
    fields.Boolean: {"invalid": "Phải là true hoặc false."},
    fields.Date: {"invalid": "Ngày không hợp lệ (dạng YYYY-MM-DD).",
                  "format": "Ngày không hợp lệ (dạng YYYY-MM-DD)."},
    fields.DateTime: {"invalid": "Thời điểm không hợp lệ (ISO 8601)."},
    fields.List: {"invalid": "Phải là danh sách."},
    fields.Dict: {"invalid": "Phải là đối tượng JSON."},
    fields.Nested: {"type": "Phải là đối tượng JSON."},
    fields.Email: {"invalid": "Địa chỉ thư điện tử không hợp lệ."},
}


def install():
    for field_class, messages in FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    Schema.error_messages = {"unknown": "Trường này không được hỗ trợ.",
                             "type": "Dữ liệu phải là một đối tượng JSON."}
    validate.Length.message_min = "Độ dài tối thiểu là {min}."
    validate.Length.message_max = "Độ dài tối đa là {max}."
    validate.Length.message_all = "Độ dài phải từ {min} đến {max}."
    validate.Length.message_equal = "Độ dài phải bằng {equal}."
    validate.Range.message_min = "Phải {min_op} {{min}}."
    validate.Range.message_max = "Phải {max_op} {{max}}."
    validate.Range.message_all = "Phải {min_op} {{min}} và {max_op} {{max}}."
    validate.Range.message_gte = "lớn hơn hoặc bằng"
    validate.Range.message_gt = "lớn hơn"
    validate.Range.message_lte = "nhỏ hơn hoặc bằng"
    validate.Range.message_lt = "nhỏ hơn"
    validate.OneOf.default_message = "Phải là một trong các giá trị: {choices}."
    validate.Regexp.default_message = "Không đúng định dạng."
    validate.Email.default_message = "Địa chỉ thư điện tử không hợp lệ."

"""A cluster's papers (cụm, khối thi đua) in the Nghị định 30/2020 form: the pact (BẢN
GIAO ƯỚC THI ĐUA) its members' heads sign at the start of the year, and the BIÊN BẢN of its
vote (suy tôn) at the end. The leader's tờ trình proposing the Cờ and Bằng khen is the
leader unit's dossier's own TỜ TRÌNH (compose.unit_proposal), where the vote puts them.

The cluster issues both under its own name, below the province's People's Committee that
set it up (its cơ quan chủ quản line); the leader (cụm trưởng) signs for it, the deputy on
the left. Plain data in, a FormalDocument out: no records, no database.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from app.docgen import text as t
from app.docgen.model import FormalDocument, Letterhead, Para, Signature
from app.docgen.render import render_formal


@dataclass(frozen=True)
class Member:
    name: str  # "Sở Y tế"
    head: str = ""  # who confirmed the pact for it, "Trần Văn Bình"
    confirmed_on: date | None = None


@dataclass(frozen=True)
class Line:
    """A line of the ranking or of the vote."""
    rank: int
    name: str
    total: str  # "91", "87,5"
    votes: int | None = None
    proposal: str = ""  # "Cờ thi đua của Ủy ban nhân dân tỉnh", "Bằng khen …"


@dataclass(frozen=True)
class ClusterPaper:
    cluster: str  # "Cụm thi đua các sở, ngành số 1"
    year: int
    committee: str  # the body that set the cluster up: "Ủy ban nhân dân tỉnh Lạng Sơn"
    parent_header: str  # its line above the cluster's name: "UBND TỈNH LẠNG SƠN"
    place: str  # "Lạng Sơn"
    leader: str  # the leader unit's name
    leader_head: str
    leader_title: str  # the leader unit's head's title, in capitals: "GIÁM ĐỐC SỞ Y TẾ"
    deputy: str = ""
    deputy_head: str = ""
    deputy_title: str = ""
    members: tuple[Member, ...] = ()
    criteria: tuple[tuple[str, str, str], ...] = ()  # (title, max points, evidence)
    on: date | None = None  # the paper's date: the last confirmation, the vote's day
    ranking: tuple[Line, ...] = ()
    voters: int = 0
    votes: tuple[Line, ...] = ()
    flag_quota: int = 1
    now: datetime | None = None
    draft: bool = False
    recipients: tuple[str, ...] = field(default_factory=tuple)
    # the kept final's number and ký hiệu, from the leader unit's register ("GƯTĐ-SYT")
    number: int | None = None
    symbol: str = ""


def _letterhead(paper: ClusterPaper, symbol: str) -> Letterhead:
    return Letterhead(issuer=(paper.cluster.upper(),), parent=paper.parent_header,
                      number=t.number_line(None if paper.draft else paper.number,
                                           paper.symbol or symbol),
                      place_date=t.place_date(paper.place, None if paper.draft else paper.on,
                                              paper.year))


def _signatures(paper: ClusterPaper):
    right = Signature(("TM. " + paper.cluster.upper().split(" SỐ ")[0], "CỤM TRƯỞNG",
                       paper.leader_title), paper.leader_head)
    left = (Signature(("CỤM PHÓ", paper.deputy_title), paper.deputy_head)
            if paper.deputy else None)
    return right, left


def pact(paper: ClusterPaper) -> FormalDocument:
    """BẢN GIAO ƯỚC THI ĐUA for the year: what the members undertake, the scoring table
    they will be scored by, and who confirmed it for each member, and when."""
    body = [
        Para(f"Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022 và quy chế tổ chức, "
             f"hoạt động của các cụm, khối thi đua do {paper.committee} ban hành;", "basis"),
        Para(f"Thực hiện phong trào thi đua năm {paper.year}, các đơn vị thành viên "
             f"{paper.cluster} thống nhất ký kết giao ước thi đua với các nội dung sau:"),
        Para("I. CÁC ĐƠN VỊ THAM GIA GIAO ƯỚC", "heading"),
    ]
    members = list(paper.members)
    for i, m in enumerate(members, start=1):
        who = (f": Thủ trưởng {m.head} xác nhận ngày {t.short_date(m.confirmed_on)}"
               if m.confirmed_on else ": chưa xác nhận")
        body.append(Para(f"{i}. {m.name}{who}{'.' if i == len(members) else ';'}"))
    body.append(Para(f"Cụm trưởng năm {paper.year}: {paper.leader}"
                     + (f"; cụm phó: {paper.deputy}." if paper.deputy else ".")))
    body.append(Para("II. NỘI DUNG GIAO ƯỚC VÀ THANG ĐIỂM", "heading"))
    for i, (title, points, evidence) in enumerate(paper.criteria, start=1):
        tail = f" Minh chứng: {evidence}." if evidence else ""
        body.append(Para(f"{i}. {title.rstrip('.')} (tối đa {points} điểm).{tail}"))
    body += [
        Para("III. TỔ CHỨC THỰC HIỆN", "heading"),
        Para("Các đơn vị thành viên tổ chức thực hiện giao ước; cuối năm tự chấm điểm theo "
             "thang điểm trên, gửi cụm trưởng xem xét, tổng hợp, xếp hạng và tổ chức suy tôn "
             f"đơn vị dẫn đầu đề nghị {paper.committee} tặng Cờ thi đua./."),
    ]
    right, left = _signatures(paper)
    return FormalDocument(
        letterhead=_letterhead(paper, "GƯTĐ"), kind_title="BẢN GIAO ƯỚC THI ĐUA",
        summary=f"Năm {paper.year}", body=tuple(body), signature=right, left_signature=left,
        recipients=t.recipients(paper.recipients), draft=paper.draft,
        title_for_properties=f"Giao ước thi đua năm {paper.year} – {paper.cluster}")


def vote_minutes(paper: ClusterPaper) -> FormalDocument:
    """BIÊN BẢN of the vote (suy tôn): the members' ranking as reviewed, the votes each
    proposed member received, and whom the cluster proposes for the Cờ within its quota."""
    body = [
        Para(f"Hôm nay, {t.long_date(paper.on) if paper.on else 'ngày      tháng      năm'}, "
             f"tại {paper.leader}, {paper.cluster} họp tổng kết công tác thi đua năm "
             f"{paper.year}, xét kết quả chấm điểm và suy tôn các đơn vị dẫn đầu."),
        Para("I. KẾT QUẢ CHẤM ĐIỂM", "heading"),
    ]
    ranking = list(paper.ranking)
    for i, line in enumerate(ranking, start=1):
        body.append(Para(f"{line.rank}. {line.name}: {line.total} điểm"
                         f"{'.' if i == len(ranking) else ';'}"))
    body.append(Para("II. KẾT QUẢ SUY TÔN", "heading"))
    body.append(Para(f"Số đại biểu bỏ phiếu: {t.two(paper.voters)}. Cụm, khối được đề nghị "
                     f"tối đa {t.two(paper.flag_quota)} Cờ thi đua."))
    votes = list(paper.votes)
    for i, line in enumerate(votes, start=1):
        body.append(Para(f"{i}. {line.name}: {t.two(line.votes or 0)}/{t.two(paper.voters)} "
                         f"phiếu, đề nghị tặng {line.proposal}"
                         f"{'.' if i == len(votes) else ';'}"))
    body += [
        Para("III. KẾT LUẬN", "heading"),
        Para(f"{paper.cluster} thống nhất đề nghị {paper.committee} khen thưởng các đơn vị "
             f"nêu tại mục II. Biên bản được lập và thông qua tại cuộc họp./."),
    ]
    right, left = _signatures(paper)
    return FormalDocument(
        letterhead=_letterhead(paper, "BB-CTĐ"), kind_title="BIÊN BẢN",
        summary=f"Họp suy tôn đơn vị dẫn đầu {paper.cluster} năm {paper.year}",
        body=tuple(body), signature=right, left_signature=left, draft=paper.draft,
        title_for_properties=f"Biên bản suy tôn năm {paper.year} – {paper.cluster}")


PAPERS = {"pact": pact, "vote": vote_minutes}


def render(name: str, paper: ClusterPaper) -> bytes:
    document = PAPERS[name](paper)
    return render_formal(replace(document, author=paper.cluster, generated_at=paper.now))

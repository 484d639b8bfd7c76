"""A seeded, synthetic sample corpus in Chinese, English and Indonesian.

The sample exists so that depscreen runs end to end with no data set at hand (the
demo, the test suite) and so that *instance-level truth* exists: depressed users
carry planted depressive-signal posts at known positions, which lets explainability
measures (attention Recall@k, top-k posts) be checked against the truth.

What is generated
-----------------
* Ordinary posts from templates and word lists per language, over eight everyday
  topics (daily life, food, work, study, sport, weather, travel, friends).
* Mildly negative *ordinary* posts (a bad day, tired after work, stuck in traffic)
  for **every** user, depressed or not, at the same rate: negativity alone is not
  the signal.
* For depressed users only, planted posts on PHQ-9 symptom areas (low mood,
  anhedonia, sleep, fatigue, worthlessness, hopelessness, appetite, concentration),
  some subtle and some explicit. They carry ``Post.label = 1`` and
  ``meta["planted"] = True``; every other post has ``Post.label = 0``.
* Openers, closers, emoji and short second sentences are shared by every kind of
  post, and the number of posts, the time range and the posting rhythm are drawn
  from the same distributions for both groups, so a model cannot win on length,
  punctuation, dates or volume.

All text here is written for this module; nothing is copied from a data set. The
corpus is labelled as synthetic everywhere (``name``, ``meta["synthetic"]``): it is a
toy for testing software, not evidence about depression.

Example
-------
>>> corpus = make_sample_corpus(n_users=30, seed=1)
>>> corpus.meta["synthetic"], sorted({u.meta["lang"] for u in corpus})
(True, ['en', 'id', 'zh'])
>>> user = next(u for u in corpus if u.label == 1)
>>> all(user.posts[i].label == 1 for i in planted_positions(user))
True
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

import numpy as np

from .types import Post, PostCorpus, PostRecord, User, UserCorpus

LANGS = ("en", "zh", "id")
TOPICS = ("daily", "food", "work", "study", "sport", "weather", "travel", "friends")
SYMPTOMS = (
    "low_mood",
    "anhedonia",
    "sleep",
    "fatigue",
    "worthlessness",
    "hopelessness",
    "appetite",
    "concentration",
)
"""PHQ-9 symptom areas that planted posts are written about."""

MAX_SEVERITY = 4
_START = datetime(2021, 1, 1)

# --------------------------------------------------------------------------------------
# Text banks. Templates use ``{slot}`` fields filled from the language's word lists.
# Symptom templates are (intensity, template): 1 = subtle / indirect, 2 = explicit.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bank:
    slots: dict[str, tuple[str, ...]]
    topics: dict[str, tuple[str, ...]]
    negative: tuple[str, ...]
    symptoms: dict[str, tuple[tuple[int, str], ...]]
    openers: tuple[str, ...]
    closers: tuple[str, ...]
    seconds: tuple[str, ...]
    sep: str  # between opener, body and second sentence


_EN = _Bank(
    slots={
        "food": ("ramen", "tacos", "pancakes", "a veggie burger", "pad thai", "leftover pizza",
                 "a huge salad", "dumplings", "banana bread", "chicken curry", "sushi", "a bagel"),
        "drink": ("coffee", "iced tea", "a smoothie", "hot chocolate", "a matcha latte"),
        "place": ("the park", "the library", "the mall", "the beach", "my aunt's place",
                  "the new cafe downtown", "the farmers market", "the gym", "the museum"),
        "friend": ("Sam", "my sister", "Jordan", "the guys from work", "my roommate", "Priya",
                   "my cousin", "Alex and Mia"),
        "sport": ("basketball", "running", "yoga", "swimming", "football", "badminton",
                  "cycling", "climbing"),
        "weather": ("sunny", "freezing", "pouring rain", "really windy", "so humid", "foggy",
                    "grey and cold"),
        "day": ("on Monday", "on Wednesday", "on Friday", "this weekend", "tonight",
                "tomorrow", "next week"),
        "city": ("Lisbon", "Tokyo", "Chicago", "Bali", "Seoul", "Vancouver", "Berlin",
                 "Singapore"),
        "subject": ("statistics", "organic chemistry", "history", "calculus", "Spanish",
                    "economics", "programming"),
        "show": ("that new detective series", "a cooking show", "a documentary about octopuses",
                 "an old sitcom", "the match highlights"),
        "num": ("3", "4", "5", "7", "10", "12"),
        "work_thing": ("the quarterly report", "a client presentation", "the team meeting",
                       "the new project", "the budget sheet", "the year-end review"),
        "when": ("again", "today", "this week", "lately", "all weekend", "since Monday",
                 "tonight", "this morning"),
    },
    topics={
        "daily": (
            "Finally cleaned my room and found {num} lost socks",
            "Watched {show} tonight, pretty good actually",
            "Laundry done, plants watered, {drink} in hand",
            "Got a haircut {day}, still getting used to it",
            "New headphones arrived {when}, the sound is amazing",
            "Rearranged the furniture {when}, the room feels twice as big",
        ),
        "food": (
            "Made {food} for dinner and it turned out great",
            "Anyone know a good place for {food} near {place}?",
            "Had {food} with {friend}, ten out of ten",
            "Trying a new recipe for {food} {day}",
            "{drink} and {food}, the ideal breakfast",
            "Still thinking about the {food} from last week",
        ),
        "work": (
            "Long meeting about {work_thing} but we made progress",
            "Presented {work_thing} today and it went well",
            "Working from {place} today, a change of scenery helps",
            "Need to wrap up {work_thing} before {day}",
            "Quick {drink} with {friend} before tackling {work_thing}",
        ),
        "study": (
            "Exam in {subject} {day}, wish me luck",
            "Study group at {place} for {subject}",
            "Finally understood that {subject} chapter",
            "Handed in my {subject} essay, what a relief",
            "Flashcards for {subject} all afternoon",
        ),
        "sport": (
            "{sport} with {friend} this morning, great start to the day",
            "New personal best, {num} km today",
            "Watching the game {day}, who's in?",
            "Signed up for {sport} classes at {place}",
            "Sore legs after {sport} but so worth it",
        ),
        "weather": (
            "It's {weather} out there today",
            "{weather} all day, perfect excuse for {drink}",
            "Weather app says {weather} {day}, we'll see",
            "Walked to {place} even though it was {weather}",
        ),
        "travel": (
            "Booked tickets to {city}!!",
            "Counting down the days until {city}",
            "Photos from {city} are finally sorted",
            "Airport {drink} before the flight to {city}",
            "Road trip with {friend} to {city} {day}",
        ),
        "friends": (
            "Game night with {friend} {day}",
            "{friend} just got engaged, so happy for them",
            "Caught up with {friend} over {drink}",
            "Birthday dinner for {friend} at {place}",
            "Movie marathon with {friend}, {num} films in a row",
        ),
    },
    negative=(
        "Rough day at work, {work_thing} took forever",
        "So tired after the late shift {when}, straight to bed",
        "Missed the bus and got soaked, great start {day}",
        "Didn't sleep well {when}, the neighbours were loud again",
        "Ugh, the {subject} exam did not go as planned",
        "Stuck in traffic for an hour {when}, so annoyed",
        "Feeling a bit under the weather, staying in with {drink}",
        "Long week, really need a break {day}",
        "Burnt the {food}, ordering takeout instead",
        "Headache {when}, too much screen time",
        "Bit bummed that {friend} had to cancel {day}",
        "Too tired to cook {when}, cereal it is",
        "Deadline for {work_thing} moved up, so stressed",
        "Lost my keys {when}, what a mess",
    ),
    symptoms={
        "low_mood": (
            (1, "Felt kind of heavy {when} for no reason"),
            (1, "Not sure why everything feels so grey {when}"),
            (1, "Smiled through {work_thing} but felt nothing inside"),
            (2, "I feel sad pretty much every single day now"),
            (2, "Cried {when} and I don't even know why"),
            (2, "There's this empty feeling that never goes away"),
            (2, "Feeling down and low {when}, can't shake it"),
        ),
        "anhedonia": (
            (1, "Skipped {sport} {when}, couldn't see the point"),
            (1, "Even {food} doesn't taste like anything anymore"),
            (1, "{friend} invited me to {place}, said I was busy. I wasn't"),
            (2, "Nothing I used to enjoy feels fun anymore"),
            (2, "Haven't wanted to see {friend} or anyone in weeks"),
            (2, "I used to love {sport}, now I just don't care"),
        ),
        "sleep": (
            (1, "Awake at 4am {when}, staring at the ceiling"),
            (1, "Slept 12 hours and still didn't want to get up"),
            (1, "Tossing and turning {when}"),
            (2, "Haven't slept properly in weeks, my mind won't shut off"),
            (2, "Every night the same, lying awake until sunrise"),
            (2, "Insomnia {when} again, I can't remember a night of real sleep"),
        ),
        "fatigue": (
            (1, "Showering feels like a huge task {when}"),
            (1, "So drained, even replying to messages is too much"),
            (1, "Stayed in bed most of the day {when}"),
            (2, "I have no energy for anything, every day is exhausting"),
            (2, "Tired all the time no matter how much I rest"),
            (2, "Completely exhausted {when}, my body feels like lead"),
        ),
        "worthlessness": (
            (1, "I keep messing everything up"),
            (1, "Probably my fault, it always is"),
            (1, "Everyone at {place} seems to have it together except me"),
            (2, "I feel completely worthless"),
            (2, "I'm such a failure, I let everyone down {when}"),
            (2, "I hate the person I've become"),
        ),
        "hopelessness": (
            (1, "Not sure things are ever going to get better"),
            (1, "What's even the point of making plans for {day}"),
            (1, "Trying to picture next year and I just can't"),
            (2, "I feel hopeless about the future"),
            (2, "Nothing is ever going to change for me"),
            (2, "No way out of this, it only gets worse"),
        ),
        "appetite": (
            (1, "Forgot to eat {when}"),
            (1, "Barely touched my {food}, not hungry at all"),
            (1, "Ordered {food} and threw most of it away"),
            (2, "Lost so much weight, I just can't eat anymore"),
            (2, "Been eating nonstop {when} just to feel something"),
        ),
        "concentration": (
            (1, "Read the same page of {subject} five times"),
            (1, "Can't focus on {work_thing} at all {when}"),
            (1, "Forgot {friend}'s birthday, my head is all over the place"),
            (2, "My brain is fog, I can't concentrate on anything anymore"),
            (2, "Can't make even simple decisions {when}"),
        ),
    },
    openers=("Ok.", "Update:", "Honestly...", "So.", "Random thought:", "Well.", "Day recap:",
             "Quick one:", "Not gonna lie.", "Status:", "Hey.", "Note to self:", "Mood:"),
    closers=("", "", "", ".", "!", " lol", " haha", " 🙂", " 😅", "...", " #life", " 😴", " 🙃",
             " ☕", "!!", " 😂"),
    seconds=("Anyway.", "Back to it tomorrow.", "Such is life.", "We'll see.", "Long day.",
             "Whatever.", "Going to bed soon.", "Need more coffee.", "Tomorrow is another day.",
             "Oh well.", "Time for tea.", "That's all."),
    sep=" ",
)

_ZH = _Bank(
    slots={
        "food": ("火锅", "麻辣烫", "小笼包", "牛肉面", "煎饼果子", "烤鸭", "酸菜鱼", "饺子",
                 "螺蛳粉", "烧烤", "蛋炒饭", "凉皮"),
        "drink": ("咖啡", "奶茶", "柠檬茶", "豆浆", "绿茶"),
        "place": ("公园", "图书馆", "商场", "海边", "奶奶家", "楼下新开的咖啡店", "菜市场",
                  "健身房", "博物馆"),
        "friend": ("小王", "室友", "表姐", "老同学", "同事们", "阿杰", "小美", "闺蜜"),
        "sport": ("打篮球", "打羽毛球", "跑步", "游泳", "练瑜伽", "打乒乓球", "骑行", "爬山"),
        "weather": ("大晴天", "突然降温", "下大雨", "刮大风", "特别闷热", "大雾", "阴沉沉的"),
        "day": ("周一", "周三", "周五", "周末", "今晚", "明天", "下周"),
        "city": ("成都", "厦门", "大理", "西安", "杭州", "青岛", "重庆", "三亚"),
        "subject": ("高数", "英语", "有机化学", "历史", "编程", "经济学", "统计"),
        "show": ("新出的悬疑剧", "美食纪录片", "老版西游记", "综艺节目", "球赛回放"),
        "num": ("3", "4", "5", "7", "10", "12"),
        "work_thing": ("季度报告", "客户方案", "周会", "新项目", "预算表", "年终总结"),
        "when": ("今天", "这几天", "最近", "这周", "整个周末", "从周一开始", "今晚", "早上"),
    },
    topics={
        "daily": (
            "终于把房间收拾干净了，找到了{num}只袜子",
            "今晚看了{show}，还挺好看的",
            "衣服洗了，花也浇了，再来一杯{drink}",
            "{day}去剪了头发，还不太习惯",
            "{when}到了新耳机，音质太好了",
            "{when}重新摆了一下家具，房间看起来大了一倍",
        ),
        "food": (
            "晚饭做了{food}，味道居然不错",
            "有没有人知道{place}附近哪家{food}好吃？",
            "和{friend}去吃了{food}，满分",
            "{day}想试试自己做{food}",
            "早上一杯{drink}配{food}，完美",
            "还在想上周吃的{food}",
        ),
        "work": (
            "开了一上午关于{work_thing}的会，总算有进展",
            "今天汇报了{work_thing}，反响还不错",
            "今天在{place}办公，换个环境效率高多了",
            "{day}之前要把{work_thing}搞定",
            "和{friend}喝了杯{drink}再继续做{work_thing}",
        ),
        "study": (
            "{day}考{subject}，求保佑",
            "和同学在{place}复习{subject}",
            "终于把{subject}那一章弄懂了",
            "{subject}论文交了，轻松多了",
            "背了一下午{subject}的笔记",
        ),
        "sport": (
            "早上和{friend}去{sport}了",
            "今天跑了{num}公里，新纪录",
            "{day}一起看球吗？",
            "报了{place}附近的课，准备开始{sport}",
            "{sport}之后腿好酸，但是很爽",
        ),
        "weather": (
            "今天{weather}",
            "{weather}，最适合喝{drink}了",
            "天气预报说{day}{weather}",
            "{weather}也要去{place}",
        ),
        "travel": (
            "订好去{city}的票啦",
            "倒数几天就去{city}了",
            "{city}的照片终于整理完了",
            "{day}和{friend}自驾去{city}",
            "在机场喝{drink}，等着飞{city}",
        ),
        "friends": (
            "{day}和{friend}玩桌游",
            "{friend}要结婚了，替他们开心",
            "和{friend}喝{drink}聊了一下午",
            "在{place}给{friend}过生日",
            "和{friend}连看了{num}部电影",
        ),
    },
    negative=(
        "今天上班好累，{work_thing}改了一整天",
        "{when}加班到很晚，回家倒头就睡",
        "没赶上公交还淋了雨，{day}开局不顺",
        "楼上{when}又吵了一晚上，没睡好",
        "{subject}考砸了，有点郁闷",
        "{when}堵车堵了一个小时，烦死了",
        "有点感冒，窝在家里喝{drink}",
        "这周太长了，{day}好想放假",
        "{food}做糊了，只好点外卖",
        "{when}头疼，屏幕看太久了",
        "{friend}{day}临时放鸽子，有点失落",
        "{when}累得不想做饭，随便吃点算了",
        "{work_thing}的截止日期提前了，压力好大",
        "{when}钥匙又丢了，真是一团糟",
    ),
    symptoms={
        "low_mood": (
            (1, "不知道为什么，{when}心里都沉沉的"),
            (1, "{when}什么都灰蒙蒙的"),
            (1, "{work_thing}的时候一直在笑，心里却什么感觉都没有"),
            (2, "几乎每天都很难过"),
            (2, "{when}又哭了，也不知道为什么"),
            (2, "心里空空的，怎么也填不满"),
            (2, "{when}情绪特别低落，怎么都走不出来"),
        ),
        "anhedonia": (
            (1, "{when}又没去{sport}，觉得没意思"),
            (1, "{food}吃起来也没什么味道了"),
            (1, "{friend}约我去{place}，我说忙，其实一点都不忙"),
            (2, "以前喜欢的事情现在都提不起兴趣"),
            (2, "好几个星期不想见{friend}，谁都不想见"),
            (2, "以前很爱{sport}，现在完全无所谓了"),
        ),
        "sleep": (
            (1, "{when}凌晨四点还醒着，盯着天花板"),
            (1, "睡了十二个小时还是不想起床"),
            (1, "{when}翻来覆去睡不着"),
            (2, "好几个星期没睡过一个好觉，脑子停不下来"),
            (2, "每天晚上都一样，躺到天亮也睡不着"),
            (2, "{when}又失眠了，想不起上次睡好是什么时候"),
        ),
        "fatigue": (
            (1, "{when}洗个澡都觉得好费劲"),
            (1, "好累，连回消息的力气都没有"),
            (1, "{when}几乎一整天都躺在床上"),
            (2, "做什么都没有力气，每天都好疲惫"),
            (2, "怎么休息都还是累"),
            (2, "{when}累到身体像灌了铅一样"),
        ),
        "worthlessness": (
            (1, "总是把事情搞砸"),
            (1, "大概又是我的错吧，一直都是"),
            (1, "在{place}感觉大家都过得很好，只有我不行"),
            (2, "觉得自己一点用都没有"),
            (2, "我真失败，{when}又让所有人失望了"),
            (2, "好讨厌现在的自己"),
        ),
        "hopelessness": (
            (1, "不知道还会不会好起来"),
            (1, "{day}的计划又有什么意义呢"),
            (1, "试着想象明年的样子，完全想不出来"),
            (2, "对未来一点希望都没有"),
            (2, "我的生活永远不会变好了"),
            (2, "看不到出路，只会越来越糟"),
        ),
        "appetite": (
            (1, "{when}又忘了吃饭"),
            (1, "{food}只吃了两口，一点也不饿"),
            (1, "点了{food}，大半都扔掉了"),
            (2, "瘦了好多，什么都吃不下"),
            (2, "{when}一直在暴饮暴食，只是想感觉到点什么"),
        ),
        "concentration": (
            (1, "{subject}同一页看了五遍还是没看进去"),
            (1, "{when}完全没法专心做{work_thing}"),
            (1, "忘了{friend}的生日，脑子乱成一团"),
            (2, "脑子一团浆糊，什么都集中不了注意力"),
            (2, "{when}连很简单的决定都做不了"),
        ),
    },
    openers=("嗯。", "更新一下：", "说真的……", "随便说说：", "今日记录：", "唉。", "好吧。",
             "碎碎念：", "今天的我：", "嗨。", "记一下：", "心情：", "话说，"),
    closers=("", "", "", "。", "！", "哈哈", "～", " 🙂", " 😅", "……", " #日常", " 😴", " 🙃",
             " ☕", "！！", " 😂"),
    seconds=("算了。", "明天继续。", "就这样吧。", "再说吧。", "好长的一天。", "先睡了。",
             "需要咖啡续命。", "随便吧。", "明天又是新的一天。", "就这样。", "喝杯茶去。", "没了。"),
    sep="",
)

_ID = _Bank(
    slots={
        "food": ("bakso", "nasi goreng", "mie ayam", "sate ayam", "martabak", "gado-gado", "soto",
                 "seblak", "nasi padang", "pempek", "rendang", "pisang goreng"),
        "drink": ("kopi susu", "es teh", "jus alpukat", "teh tarik", "es kopi"),
        "place": ("taman", "perpustakaan", "mall", "pantai", "rumah nenek",
                  "kafe baru dekat kantor", "pasar", "tempat gym", "museum"),
        "friend": ("Dina", "teman kos", "sepupuku", "anak-anak kantor", "Rizky", "kakak", "Putri",
                   "sahabatku"),
        "sport": ("futsal", "badminton", "lari pagi", "renang", "yoga", "basket", "bersepeda",
                  "naik gunung"),
        "weather": ("panas banget", "hujan deras", "mendung", "berangin", "gerah", "cerah",
                    "dingin"),
        "day": ("hari Senin", "hari Rabu", "hari Jumat", "akhir pekan ini", "nanti malam",
                "besok", "minggu depan"),
        "city": ("Bali", "Yogyakarta", "Bandung", "Lombok", "Malang", "Makassar", "Labuan Bajo",
                 "Medan"),
        "subject": ("statistika", "kalkulus", "bahasa Inggris", "sejarah", "pemrograman",
                    "ekonomi", "kimia"),
        "show": ("drakor baru", "film dokumenter", "sinetron lama", "acara masak",
                 "siaran ulang bola"),
        "num": ("3", "4", "5", "7", "10", "12"),
        "work_thing": ("laporan bulanan", "presentasi klien", "rapat tim", "proyek baru",
                       "anggaran", "evaluasi akhir tahun"),
        "when": ("lagi", "hari ini", "minggu ini", "akhir-akhir ini", "sepanjang akhir pekan",
                 "sejak Senin", "malam ini", "tadi pagi"),
    },
    topics={
        "daily": (
            "Akhirnya kamar bersih, nemu {num} kaos kaki yang hilang",
            "Nonton {show} tadi malam, lumayan seru",
            "Cucian beres, tanaman sudah disiram, tinggal minum {drink}",
            "Potong rambut {day}, masih belum terbiasa",
            "Headset baru datang {when}, suaranya mantap",
            "Habis pindahin lemari {when}, kamar jadi lega banget",
        ),
        "food": (
            "Masak {food} buat makan malam, ternyata enak",
            "Ada yang tahu {food} enak dekat {place}?",
            "Makan {food} bareng {friend}, mantap",
            "{day} mau coba bikin {food} sendiri",
            "{drink} sama {food}, sarapan terbaik",
            "Masih kepikiran {food} minggu lalu",
        ),
        "work": (
            "Rapat panjang soal {work_thing} tapi ada kemajuan",
            "Tadi presentasi {work_thing}, lancar",
            "Kerja dari {place} hari ini, suasana baru",
            "Harus beres {work_thing} sebelum {day}",
            "Minum {drink} dulu sama {friend} sebelum lanjut {work_thing}",
        ),
        "study": (
            "Ujian {subject} {day}, doakan ya",
            "Belajar kelompok {subject} di {place}",
            "Akhirnya paham bab {subject} itu",
            "Tugas {subject} sudah dikumpul, lega",
            "Seharian hafalin catatan {subject}",
        ),
        "sport": (
            "{sport} bareng {friend} tadi pagi, seru",
            "Rekor baru, lari {num} km hari ini",
            "{day} nonton bola bareng yuk",
            "Daftar kelas {sport} di {place}",
            "Kaki pegal habis {sport} tapi puas",
        ),
        "weather": (
            "Hari ini {weather}",
            "{weather} seharian, enaknya minum {drink}",
            "Kata ramalan cuaca {day} {weather}",
            "Tetap jalan ke {place} walau {weather}",
        ),
        "travel": (
            "Tiket ke {city} sudah dipesan!!",
            "Hitung mundur ke {city}",
            "Foto-foto dari {city} akhirnya dirapikan",
            "Road trip ke {city} sama {friend} {day}",
            "Minum {drink} di bandara sebelum terbang ke {city}",
        ),
        "friends": (
            "Main board game sama {friend} {day}",
            "{friend} mau nikah, ikut senang",
            "Ngobrol sama {friend} sambil minum {drink}",
            "Rayain ulang tahun {friend} di {place}",
            "Maraton {num} film di rumah {friend}",
        ),
    },
    negative=(
        "Capek banget hari ini, {work_thing} nggak kelar-kelar",
        "Lembur sampai malam {when}, langsung tidur",
        "Ketinggalan bus terus kehujanan, awal yang buruk {day}",
        "Tetangga berisik {when}, susah tidur",
        "Ujian {subject} berantakan, agak kesel",
        "Macet sejam {when}, bete banget",
        "Lagi agak meriang, di rumah aja minum {drink}",
        "Minggu ini panjang banget, butuh libur {day}",
        "{food} gosong, akhirnya pesan online",
        "Pusing {when}, kebanyakan lihat layar",
        "{friend} batal datang {day}, agak kecewa",
        "Terlalu capek buat masak {when}, makan mi instan aja",
        "Deadline {work_thing} dimajukan, stres banget",
        "Kunci hilang {when}, berantakan deh",
    ),
    symptoms={
        "low_mood": (
            (1, "Rasanya berat {when}, nggak tahu kenapa"),
            (1, "Semuanya terasa kelabu {when}"),
            (1, "Senyum terus waktu {work_thing}, tapi di dalam hampa"),
            (2, "Hampir tiap hari aku merasa sedih"),
            (2, "Nangis {when} dan aku nggak tahu kenapa"),
            (2, "Ada rasa kosong yang nggak pernah hilang"),
            (2, "Perasaanku down banget {when}, nggak bisa lepas"),
        ),
        "anhedonia": (
            (1, "Bolos {sport} {when}, rasanya nggak ada gunanya"),
            (1, "{food} pun sekarang rasanya hambar"),
            (1, "{friend} ngajak ke {place}, aku bilang sibuk. Padahal nggak"),
            (2, "Hal yang dulu aku suka sekarang nggak menarik lagi"),
            (2, "Sudah berminggu-minggu nggak mau ketemu {friend} atau siapa pun"),
            (2, "Dulu suka banget {sport}, sekarang nggak peduli"),
        ),
        "sleep": (
            (1, "Jam 4 pagi masih melek {when}, lihat langit-langit"),
            (1, "Tidur 12 jam tapi tetap nggak mau bangun"),
            (1, "Gelisah nggak bisa tidur {when}"),
            (2, "Sudah berminggu-minggu nggak bisa tidur nyenyak, pikiran nggak berhenti"),
            (2, "Tiap malam sama saja, terjaga sampai subuh"),
            (2, "Insomnia {when}, lupa kapan terakhir tidur nyenyak"),
        ),
        "fatigue": (
            (1, "Mandi saja rasanya berat banget {when}"),
            (1, "Lelah, balas chat pun nggak sanggup"),
            (1, "Hampir seharian di kasur {when}"),
            (2, "Nggak ada tenaga buat apa pun, tiap hari melelahkan"),
            (2, "Capek terus walaupun sudah istirahat"),
            (2, "Badan rasanya remuk {when}, lemas banget"),
        ),
        "worthlessness": (
            (1, "Selalu saja aku yang bikin kacau"),
            (1, "Mungkin salahku lagi, seperti biasa"),
            (1, "Semua orang di {place} kelihatan baik-baik saja, cuma aku yang nggak"),
            (2, "Aku merasa nggak berharga sama sekali"),
            (2, "Aku gagal, mengecewakan semua orang {when}"),
            (2, "Benci banget sama diriku yang sekarang"),
        ),
        "hopelessness": (
            (1, "Nggak yakin semuanya bakal membaik"),
            (1, "Buat apa bikin rencana {day}"),
            (1, "Coba bayangin tahun depan, tapi nggak bisa"),
            (2, "Aku nggak punya harapan untuk masa depan"),
            (2, "Hidupku nggak akan pernah berubah"),
            (2, "Nggak ada jalan keluar, makin lama makin buruk"),
        ),
        "appetite": (
            (1, "Lupa makan {when}"),
            (1, "{food} cuma dimakan sedikit, nggak lapar sama sekali"),
            (1, "Pesan {food} tapi kebanyakan dibuang"),
            (2, "Berat badan turun banyak, nggak bisa makan"),
            (2, "Makan terus {when} cuma biar bisa merasakan sesuatu"),
        ),
        "concentration": (
            (1, "Baca halaman {subject} yang sama lima kali"),
            (1, "Nggak bisa fokus sama {work_thing} {when}"),
            (1, "Lupa ulang tahun {friend}, kepalaku berantakan"),
            (2, "Otakku berkabut, nggak bisa konsentrasi apa-apa"),
            (2, "Keputusan kecil pun nggak bisa kuambil {when}"),
        ),
    },
    openers=("Oke.", "Update:", "Jujur...", "Jadi gini.", "Random:", "Hmm.", "Rekap hari ini:",
             "Btw.", "Curhat dikit:", "Catatan:", "Halo.", "Mood:", "Gini ya."),
    closers=("", "", "", ".", "!", " wkwk", " hehe", " 🙂", " 😅", "...", " #curhat", " 😴", " 🙃",
             " ☕", "!!", " 😂"),
    seconds=("Yaudah.", "Besok lanjut lagi.", "Begitulah hidup.", "Lihat nanti saja.",
             "Hari yang panjang.", "Mau tidur dulu.", "Butuh kopi.", "Terserahlah.",
             "Besok hari baru.", "Ya sudahlah.", "Ngeteh dulu.", "Sekian."),
    sep=" ",
)

_BANKS: dict[str, _Bank] = {"en": _EN, "zh": _ZH, "id": _ID}
_FORMATTER = string.Formatter()


# --------------------------------------------------------------------------------------
# Post writers
# --------------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, items: Sequence):
    return items[int(rng.integers(len(items)))]


def _fill(template: str, bank: _Bank, rng: np.random.Generator) -> str:
    fields = {name for _, name, _, _ in _FORMATTER.parse(template) if name}
    return template.format(**{name: _pick(rng, bank.slots[name]) for name in sorted(fields)})


_ENDS = tuple(".!?。！？…~～") + ("lol", "haha", "wkwk", "hehe", "哈哈")


def _dress(body: str, bank: _Bank, rng: np.random.Generator) -> str:
    """Wrap a sentence in the style every kind of post shares (opener, closer, second line)."""
    text = body[:1].upper() + body[1:]
    if rng.random() < 0.35:
        text = _pick(rng, bank.openers) + bank.sep + text
    text += _pick(rng, bank.closers)
    if rng.random() < 0.35:
        if not text.endswith(_ENDS) and text[-1:].isalnum():
            text += "。" if bank.sep == "" else "."
        text += bank.sep + _pick(rng, bank.seconds)
    return text


def _ordinary_post(
    bank: _Bank, rng: np.random.Generator, negative: bool
) -> tuple[str, dict]:
    if negative:
        body, meta = _fill(_pick(rng, bank.negative), bank, rng), {"kind": "negative"}
    else:
        topic = _pick(rng, TOPICS)
        body, meta = _fill(_pick(rng, bank.topics[topic]), bank, rng), {"kind": "ordinary",
                                                                       "topic": topic}
    return _dress(body, bank, rng), meta


def _symptom_post(
    bank: _Bank, rng: np.random.Generator, symptom: str, p_explicit: float
) -> tuple[str, dict]:
    options = bank.symptoms[symptom]
    intensity = 2 if rng.random() < p_explicit else 1
    matching = [t for level, t in options if level == intensity]
    body = _fill(_pick(rng, matching), bank, rng)
    meta = {"kind": "planted", "planted": True, "symptom": symptom, "intensity": intensity}
    return _dress(body, bank, rng), meta


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def _check_range(name: str, value: tuple[float, float], low: float, high: float) -> None:
    if len(value) != 2 or not (low <= value[0] <= value[1] <= high):
        raise ValueError(f"{name} must be a pair (a, b) with {low} <= a <= b <= {high}, got {value!r}")


def _check_langs(langs: Iterable[str]) -> tuple[str, ...]:
    langs = tuple(langs)
    if not langs:
        raise ValueError("langs must name at least one language")
    unknown = [lang for lang in langs if lang not in _BANKS]
    if unknown:
        raise ValueError(f"unsupported language(s) {unknown}; supported: {', '.join(LANGS)}")
    if len(set(langs)) != len(langs):
        raise ValueError(f"langs has duplicates: {langs}")
    return langs


def _check_symptoms(symptoms: Iterable[str] | None) -> tuple[str, ...]:
    if symptoms is None:
        return SYMPTOMS
    symptoms = tuple(symptoms)
    unknown = [s for s in symptoms if s not in SYMPTOMS]
    if not symptoms or unknown:
        raise ValueError(f"symptoms must be a non-empty subset of {SYMPTOMS}, got {symptoms!r}")
    return symptoms


def _severity_plan(
    level: int, signal_share: tuple[float, float], rng: np.random.Generator, n_symptoms: int
) -> tuple[float, float, int]:
    """(share of planted posts, chance a planted post is explicit, symptom areas) for a level.

    ``level`` is 1..4 for ordinal labels, or 0 meaning "binary depressed user", where
    the three are drawn across their whole ranges.
    """
    lo, hi = signal_share
    if level == 0:
        share = rng.uniform(lo, hi)
        p_explicit = rng.uniform(0.3, 0.7)
        n_areas = int(rng.integers(2, 6))
    else:
        step = (hi - lo) / MAX_SEVERITY
        share = rng.uniform(lo + step * (level - 1), lo + step * level)
        p_explicit = 0.15 + 0.25 * (level - 1)
        n_areas = level + 1
    return share, p_explicit, max(1, min(n_symptoms, n_areas))


def _timestamps(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` increasing ISO-8601 timestamps: a start in 2021-2022, then gaps of hours to days."""
    start = _START + timedelta(days=float(rng.uniform(0, 600)))
    gaps_h = rng.exponential(scale=30.0, size=n) + rng.uniform(0.2, 2.0, size=n)
    offsets = np.cumsum(gaps_h)
    return [
        (start + timedelta(hours=float(h))).replace(microsecond=0).isoformat() for h in offsets
    ]


def _make_user(
    idx: int,
    lang: str,
    level: int | None,
    *,
    rng: np.random.Generator,
    posts_per_user: tuple[int, int],
    signal_share: tuple[float, float],
    negative_share: tuple[float, float],
    symptoms: tuple[str, ...],
    placement: str,
    ordinal: bool,
) -> User:
    """One user; ``level`` is None for a control, 0 for a binary positive, 1..4 ordinal."""
    bank = _BANKS[lang]
    user_id = f"syn{idx:05d}"
    n_posts = int(rng.integers(posts_per_user[0], posts_per_user[1] + 1))
    planted: set[int] = set()
    user_symptoms: list[str] = []
    p_explicit = 0.0
    if level is not None:
        share, p_explicit, n_areas = _severity_plan(level, signal_share, rng, len(symptoms))
        n_planted = int(np.clip(round(share * n_posts), 1, n_posts - 1))
        picked = rng.choice(len(symptoms), size=n_areas, replace=False)
        user_symptoms = [symptoms[i] for i in sorted(picked)]
        if placement == "episode":
            start = int(rng.integers(0, n_posts - n_planted + 1))
            window = min(n_posts - start, max(n_planted, int(round(n_planted * 1.8))))
            planted = {start + int(i) for i in rng.choice(window, size=n_planted, replace=False)}
        else:
            planted = {int(i) for i in rng.choice(n_posts, size=n_planted, replace=False)}
    p_negative = rng.uniform(*negative_share)
    times = _timestamps(rng, n_posts)
    posts = []
    for j in range(n_posts):
        if j in planted:
            text, meta = _symptom_post(bank, rng, _pick(rng, user_symptoms), p_explicit)
            label = 1
        else:
            text, meta = _ordinary_post(bank, rng, negative=rng.random() < p_negative)
            label = 0
        posts.append(Post(text=text, time=times[j], id=f"{user_id}-{j:03d}", label=label,
                          lang=lang, meta=meta))
    if level is None:
        user_label = 0
    else:
        user_label = level if ordinal else 1
    meta = {
        "synthetic": True,
        "lang": lang,
        "n_planted": len(planted),
        "planted_positions": sorted(planted),
        "symptoms": user_symptoms,
    }
    if ordinal:
        meta["severity"] = user_label
    return User(user_id=user_id, label=user_label, posts=posts, meta=meta)


def make_sample_corpus(
    n_users: int = 300,
    langs: Sequence[str] = LANGS,
    seed: int = 13,
    posts_per_user: tuple[int, int] = (20, 60),
    positive_share: float = 0.4,
    signal_share: tuple[float, float] = (0.1, 0.3),
    *,
    negative_share: tuple[float, float] = (0.05, 0.2),
    ordinal: bool = False,
    symptoms: Sequence[str] | None = None,
    placement: str = "scattered",
) -> UserCorpus:
    """A synthetic user-level corpus with planted depressive-signal posts.

    Parameters
    ----------
    n_users : int
        Number of users, split as evenly as possible over ``langs``.
    langs : sequence of {"en", "zh", "id"}
        Languages; every user writes in one language (``User.meta["lang"]``, ``Post.lang``).
    seed : int
        Seed of the only random generator used; the same arguments give the same corpus.
    posts_per_user : (int, int)
        Inclusive range of timeline lengths, the same for both groups.
    positive_share : float
        Share of depressed users (label 1, or levels 1-4 when ``ordinal``), applied per
        language so that every language has both classes.
    signal_share : (float, float)
        Range of the share of a depressed user's posts that are planted symptom posts.
        With ``ordinal=True`` the range is cut into four bands, one per severity level.
    negative_share : (float, float)
        Range of the share of mildly negative *ordinary* posts, for every user.
    ordinal : bool
        Labels 0-4 instead of 0/1: 0 = control, 1-4 = severity, where the number of
        planted posts, the share of explicit ones and the symptom areas grow with level.
    symptoms : sequence of str, optional
        Restrict planted posts to these areas of :data:`SYMPTOMS` (default: all).
    placement : {"scattered", "episode"}
        Planted posts anywhere in the timeline, or clustered in one episode.

    Returns
    -------
    UserCorpus
        Users in a shuffled order, posts in time order. Planted posts have
        ``label = 1`` and ``meta["planted"] = True``; all other posts ``label = 0``.
        ``corpus.meta`` records ``synthetic = True``, the seed and the parameters.

    Examples
    --------
    >>> corpus = make_sample_corpus(n_users=12, langs=("en",), seed=3, ordinal=True)
    >>> sorted(set(corpus.labels)) <= [0, 1, 2, 3, 4]
    True
    """
    langs = _check_langs(langs)
    symptoms_t = _check_symptoms(symptoms)
    if n_users < 2 * len(langs):
        raise ValueError(f"n_users must be at least 2 per language ({2 * len(langs)}), got {n_users}")
    if not 0.0 < positive_share < 1.0:
        raise ValueError(f"positive_share must be in (0, 1), got {positive_share}")
    lo, hi = posts_per_user
    if not (isinstance(lo, (int, np.integer)) and isinstance(hi, (int, np.integer)) and 2 <= lo <= hi):
        raise ValueError(f"posts_per_user must be integers (a, b) with 2 <= a <= b, got {posts_per_user!r}")
    _check_range("signal_share", tuple(signal_share), 0.0, 1.0)
    _check_range("negative_share", tuple(negative_share), 0.0, 1.0)
    if placement not in ("scattered", "episode"):
        raise ValueError(f"placement must be 'scattered' or 'episode', got {placement!r}")

    rng = np.random.default_rng(seed)
    # Languages and labels: balanced per language, then one shuffled order.
    plan: list[tuple[str, int | None]] = []
    per_lang = [n_users // len(langs) + (i < n_users % len(langs)) for i in range(len(langs))]
    for lang, n_lang in zip(langs, per_lang):
        n_pos = int(np.clip(round(positive_share * n_lang), 1, n_lang - 1))
        if ordinal:
            levels = [1 + (k % MAX_SEVERITY) for k in range(n_pos)]
        else:
            levels = [0] * n_pos
        plan += [(lang, lv) for lv in levels] + [(lang, None)] * (n_lang - n_pos)
    order = rng.permutation(len(plan))
    users = [
        _make_user(
            idx,
            *plan[k],
            rng=rng,
            posts_per_user=(int(lo), int(hi)),
            signal_share=tuple(signal_share),
            negative_share=tuple(negative_share),
            symptoms=symptoms_t,
            placement=placement,
            ordinal=ordinal,
        )
        for idx, k in enumerate(order)
    ]
    kind = "ordinal 0-4" if ordinal else "binary"
    corpus = UserCorpus(users, name=f"synthetic sample ({kind}, seed {seed})")
    corpus.meta = {
        "synthetic": True,
        "seed": seed,
        "level": "user",
        "labels": kind,
        "n_users": n_users,
        "langs": list(langs),
        "posts_per_user": [int(lo), int(hi)],
        "positive_share": positive_share,
        "signal_share": list(signal_share),
        "negative_share": list(negative_share),
        "symptoms": list(symptoms_t),
        "placement": placement,
    }
    return corpus


def make_sample_posts(
    n: int = 600,
    langs: Sequence[str] = LANGS,
    seed: int = 13,
    positive_share: float = 0.5,
    *,
    negative_share: float = 0.25,
    p_explicit: float = 0.5,
    symptoms: Sequence[str] | None = None,
) -> PostCorpus:
    """A synthetic post-level corpus: planted symptom posts (1) vs ordinary posts (0).

    Uses the same writers as :func:`make_sample_corpus`. A share ``negative_share`` of
    the ordinary posts are mildly negative everyday posts, so that "negative" is not the
    same as "depressive".

    Examples
    --------
    >>> posts = make_sample_posts(n=30, seed=2)
    >>> posts.meta["synthetic"], sorted(set(posts.labels))
    (True, [0, 1])
    """
    langs = _check_langs(langs)
    symptoms_t = _check_symptoms(symptoms)
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    if not 0.0 < positive_share < 1.0:
        raise ValueError(f"positive_share must be in (0, 1), got {positive_share}")
    if not 0.0 <= negative_share <= 1.0 or not 0.0 <= p_explicit <= 1.0:
        raise ValueError("negative_share and p_explicit must lie in [0, 1]")
    rng = np.random.default_rng(seed)
    n_pos = int(np.clip(round(positive_share * n), 1, n - 1))
    labels = rng.permutation(np.array([1] * n_pos + [0] * (n - n_pos)))
    records = []
    for i, label in enumerate(labels):
        lang = langs[i % len(langs)]
        bank = _BANKS[lang]
        if label:
            text, meta = _symptom_post(bank, rng, _pick(rng, symptoms_t), p_explicit)
        else:
            text, meta = _ordinary_post(bank, rng, negative=rng.random() < negative_share)
        meta["synthetic"] = True
        records.append(PostRecord(id=f"synpost{i:05d}", text=text, label=int(label), lang=lang,
                                  meta=meta))
    corpus = PostCorpus(records, name=f"synthetic sample posts (seed {seed})")
    corpus.meta = {
        "synthetic": True,
        "seed": seed,
        "level": "post",
        "n": n,
        "langs": list(langs),
        "positive_share": positive_share,
        "negative_share": negative_share,
        "p_explicit": p_explicit,
        "symptoms": list(symptoms_t),
    }
    return corpus


def planted_positions(user: User) -> list[int]:
    """Indices (in timeline order) of the user's planted posts: the instance-level truth.

    Read from the posts themselves (``meta["planted"]``), so it stays correct after a
    JSONL round trip or a re-sort.
    """
    return [i for i, post in enumerate(user.posts) if post.meta.get("planted")]
